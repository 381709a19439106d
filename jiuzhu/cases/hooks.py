"""What other apps add to a case, registered explicitly at start-up so nothing happens behind the code's back.

- `on_approved(decision, by)`: in the approving transaction (P3) — benefits turns the case into an enrolment.
- `calculator(case, amount, covered, on) -> (amount, basis)`: the amount of an approval and its written basis
  (B1, B2, temporary aid); raises ValidationFailed when the amount cannot stand.
- `case_panels`: (template, context function) pairs shown on the case page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import Decision
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import User

OnApproved = Callable[[Decision, User], object]  # what it returns is not used
Calculator = Callable[[Case, "Decimal | None", "int | None", date], "tuple[Decimal | None, str]"]
PanelContext = Callable[[AuthenticatedHttpRequest, Case], "dict | None"]  # None hides the panel

on_approved: list[OnApproved] = []
_calculators: list[Calculator] = []


@dataclass(frozen=True)
class Panel:
    template: str
    context: PanelContext


case_panels: list[Panel] = []


def register_on_approved(fn: OnApproved) -> None:
    if fn not in on_approved:
        on_approved.append(fn)


def register_calculator(fn: Calculator) -> None:
    if fn not in _calculators:
        _calculators.append(fn)


def register_panel(panel: Panel) -> None:
    if panel not in case_panels:
        case_panels.append(panel)


def calculate(
    case: Case, amount: Decimal | None, covered: int | None, on: date
) -> tuple[Decimal | None, str]:
    """The amount an approval will pay and why; without a calculator the meeting's amount stands as typed."""
    basis = ""
    for fn in _calculators:
        amount, basis = fn(case, amount, covered, on)
    return amount, basis


def panels_for(request: AuthenticatedHttpRequest, case: Case) -> list[tuple[str, dict]]:
    out = []
    for panel in case_panels:
        context = panel.context(request, case)
        if context is not None:
            out.append((panel.template, context))
    return out
