"""Who decides a case of type T in township X on day d (D1, D3, D4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from jiuzhu.core.types import Category, category_of
from jiuzhu.orgs.models import DelegationGrant, DelegationSuspension

TOWNSHIP: Literal["township"] = "township"
BUREAU: Literal["bureau"] = "bureau"


@dataclass(frozen=True)
class Route:
    decider: Literal["township", "bureau"]
    township_code: str
    category: str
    day: date
    grant_id: int | None
    reason: str

    @property
    def delegated(self) -> bool:
        return self.decider == TOWNSHIP

    @property
    def label(self) -> str:
        return (
            "乡镇（街道）受委托审批（一级审批）"
            if self.delegated
            else "乡镇（街道）审核、民政局审批（两级审批）"
        )


def grant_state_on(grant: DelegationGrant, day: date, suspensions: list[DelegationSuspension]) -> str:
    """'active', 'not_started', 'expired', 'revoked' or 'suspended' on `day`."""
    if day < grant.valid_from:
        return "not_started"
    if grant.revoked_on is not None and day >= grant.revoked_on:
        return "revoked"
    if grant.valid_to is not None and day > grant.valid_to:
        return "expired"
    for s in suspensions:
        if s.start <= day and (s.end is None or day <= s.end):
            return "suspended"
    return "active"


def who_decides(
    *, township_code: str, assistance_type: str | None = None, category: str | None = None, day: date
) -> Route:
    """The route in force on the day of the decision — never the day of the application (D3)."""
    cat = category or category_of(assistance_type or "")
    label = Category(cat).label
    grants = list(
        DelegationGrant.objects.filter(township_id=township_code, category=cat, valid_from__lte=day)
        .select_related("township")
        .prefetch_related("suspensions")
        .order_by("-valid_from")
    )
    last_reason = ""
    for grant in grants:
        state = grant_state_on(grant, day, list(grant.suspensions.all()))
        name = grant.township.name
        if state == "active":
            return Route(
                TOWNSHIP,
                township_code,
                cat,
                day,
                grant.id,
                f"{name}自{grant.valid_from:%Y-%m-%d}起受委托审批{label}（委托书{grant.letter_no}），"
                f"{day:%Y-%m-%d}在委托期内：由乡镇（街道）以民政局名义审批。",
            )
        if not last_reason:
            if state == "suspended":
                last_reason = f"{name}的{label}审批委托（{grant.letter_no}）在{day:%Y-%m-%d}处于暂停期"
            elif state == "revoked":
                last_reason = (
                    f"{name}的{label}审批委托（{grant.letter_no}）已于{grant.revoked_on:%Y-%m-%d}撤销"
                )
            elif state == "expired":
                last_reason = f"{name}的{label}审批委托（{grant.letter_no}）已于{grant.valid_to:%Y-%m-%d}到期"
    reason = last_reason or f"该乡镇（街道）在{day:%Y-%m-%d}没有{label}的审批委托"
    return Route(BUREAU, township_code, cat, day, None, reason + "：乡镇（街道）审核，民政局审批。")
