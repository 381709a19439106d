"""What apps above the registry add to it, registered at start-up (in their `AppConfig.ready`) so that the
registry never imports them.

- `household_panels`: (template, context function) pairs shown on the household page, e.g. the household's
  applications, which cases adds.
- `members_moved`: functions told, inside the transaction of a 迁移, which households lost or gained a
  member, so that what depends on the members (the intake checks of open cases) is judged again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.registry.models import Household


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[[AuthenticatedHttpRequest, Household], dict[str, Any] | None]  # None hides the panel


household_panels: list[Panel] = []


def register_household_panel(panel: Panel) -> None:
    if panel not in household_panels:
        household_panels.append(panel)


def panels_for(request: AuthenticatedHttpRequest, household: Household) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for panel in household_panels:
        context = panel.context(request, household)
        if context is not None:
            out.append((panel.template, context))
    return out


MembersMoved = Callable[..., None]  # (*, by: User, households: list[Household], reason: str) -> None
members_moved: list[MembersMoved] = []


def register_members_moved(fn: MembersMoved) -> None:
    if fn not in members_moved:
        members_moved.append(fn)


def notify_members_moved(*, by: Any, households: list[Household], reason: str) -> None:
    for fn in members_moved:
        fn(by=by, households=households, reason=reason)
