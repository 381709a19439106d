"""Who decides this case on a given day (D1, D3): the township in the bureau's name while a delegation grant
covers the type that day, else the bureau — and the bureau for temporary aid above the township's cap."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from jiuzhu.cases.models import Case
from jiuzhu.core import params
from jiuzhu.core.types import Category
from jiuzhu.orgs.delegation import BUREAU, Route, who_decides


def route_for(case: Case, day: date, amount: Decimal | None = None) -> Route:
    """The township decides in the bureau's name when a grant covers the type on `day`; temporary aid above
    the township cap goes to the bureau even then."""
    route = who_decides(township_code=case.township_code, assistance_type=case.assistance_type, day=day)
    cap = township_cap(case, day) if route.delegated else None
    if cap is not None:
        value = amount if amount is not None else case.requested_amount
        if value is not None and value > cap:
            return Route(
                BUREAU,
                route.township_code,
                route.category,
                day,
                None,
                f"临时救助金额 {value} 元超过乡镇（街道）审批上限 {cap} 元：乡镇（街道）审核，民政局审批。",
            )
    return route


def township_cap(case: Case, day: date) -> Decimal | None:
    """The amount up to which a delegated township decides temporary aid itself (None: no cap applies)."""
    if case.category != Category.LINSHI:
        return None
    return params.get("linshi.township_cap", area_code=case.township_code, on=day)
