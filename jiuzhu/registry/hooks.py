"""What apps above the registry add to it, registered at start-up (in their `AppConfig.ready`) so that the
registry never imports them.

- `household_panels`: (template, context function) pairs shown on the household page, e.g. the household's
  applications, which cases adds."""

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
