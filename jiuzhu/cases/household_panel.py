"""The household page's list of the household's applications. The registry sits below cases and cannot ask
for them: cases registers this panel with it (`registry.hooks`)."""

from __future__ import annotations

from typing import Any

from jiuzhu.cases.selectors import cases_visible_to
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.registry.models import Household


def household_cases(request: AuthenticatedHttpRequest, household: Household) -> dict[str, Any]:
    return {"cases": cases_visible_to(request.user).filter(household=household).order_by("-id")}
