"""Proactive discovery (A2): a village reports a household in difficulty; the township then asks the family,
which either applies (the report becomes an application, in cases) or declines (recorded here)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from jiuzhu.core import audit, clock
from jiuzhu.core.dates import ensure_not_future
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.problems import Problems
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.models import DiscoveryReport, DiscoveryStatus, Household


@transaction.atomic
def discovery_create(
    *,
    by: User,
    area_code: str,
    family_name: str,
    address: str,
    situation: str,
    reported_on: date,
    phone: str = "",
    suggested_type: str = "",
    household: Household | None = None,
) -> DiscoveryReport:
    membership = authz.require(by, Perm.DISCOVERY_REPORT, area_code)
    problems = Problems()
    if not Jurisdiction.objects.filter(code=area_code, level=Level.VILLAGE).exists():
        problems.add("area_code", "请选择村（社区）")
    if not family_name.strip():
        problems.add("family_name", "请填写家庭联系人")
    if not address.strip():
        problems.add("address", "请填写住址")
    if not situation.strip():
        problems.add("situation", "请描述困难情况")
    try:
        ensure_not_future(reported_on, "发现日期")
    except ValidationFailed as exc:
        problems.add("reported_on", exc.message)
    if household is not None and household.area_code != area_code:
        problems.add("household", "该家庭不在本村（社区）")
    problems.raise_if_any("报告内容有误，未保存")
    report = DiscoveryReport.objects.create(
        area_code=area_code,
        household=household,
        family_name=family_name.strip(),
        address=address.strip(),
        phone=phone.strip(),
        situation=situation.strip(),
        suggested_type=suggested_type,
        reported_on=reported_on,
        reported_by=by,
        created_at=clock.now(),
    )
    audit.record(
        actor=by,
        membership=membership,
        action="discovery.create",
        obj=report,
        after={"situation": report.situation, "suggested_type": suggested_type},
    )
    return report


@transaction.atomic
def discovery_decline(*, by: User, report: DiscoveryReport, note: str) -> DiscoveryReport:
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, report.area_code)
    report = DiscoveryReport.objects.select_for_update().get(pk=report.pk)
    if report.status != DiscoveryStatus.OPEN:
        raise ValidationFailed("该报告已处理")
    if not note.strip():
        raise ValidationFailed("请说明情况", field_errors={"note": "必填"})
    report.status = DiscoveryStatus.DECLINED
    report.closed_note = note.strip()
    report.save()
    audit.record(actor=by, membership=membership, action="discovery.decline", obj=report, reason=note.strip())
    return report
