"""Reopening a frozen month (M1): after the export day the bureau may reopen the current month for a reason
that is logged, and closes it again once the list is exported anew (`payments.cycle` reads the state)."""

from __future__ import annotations

from django.db import transaction

from jiuzhu.core import audit, clock
from jiuzhu.core.dates import month_start
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.payments.models import CycleReopen


@transaction.atomic
def reopen(*, by: User, county_code: str, reason: str) -> CycleReopen:
    """The bureau reopens the current month after the export day, for a reason that is logged."""
    membership = authz.require(by, Perm.CYCLE_MANAGE, county_code)
    if not reason.strip():
        raise ValidationFailed("请填写重新开放的原因", field_errors={"reason": "必填"})
    month = month_start(clock.today())
    if CycleReopen.objects.filter(county_code=county_code, month=month, closed_at__isnull=True).exists():
        raise ValidationFailed("本月已重新开放")
    row = CycleReopen.objects.create(
        county_code=county_code, month=month, reason=reason.strip(), by=by, opened_at=clock.now()
    )
    audit.record(
        actor=by,
        membership=membership,
        action="payroll.reopen",
        obj=row,
        area_code=county_code,
        reason=reason.strip(),
        after={"month": month},
    )
    return row


@transaction.atomic
def close_reopen(*, by: User, county_code: str) -> None:
    membership = authz.require(by, Perm.CYCLE_MANAGE, county_code)
    rows = CycleReopen.objects.filter(county_code=county_code, closed_at__isnull=True)
    if not rows.exists():
        raise ValidationFailed("本月没有重新开放")
    rows.update(closed_at=clock.now())
    audit.record(
        actor=by,
        membership=membership,
        action="payroll.reopen",
        area_code=county_code,
        object_type="payments.cyclereopen",
        object_repr="关闭重新开放",
        after={"closed": True},
    )
