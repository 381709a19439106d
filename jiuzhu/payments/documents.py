"""Official documents of the payment cycle: the payment detail table (B3, M2) and the monthly
dynamic-adjustment table (M1), issued by the township."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db.models import Sum

from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.types import AssistanceType
from jiuzhu.documents import services as documents
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.orgs.models import Jurisdiction, Organisation, User
from jiuzhu.orgs.roles import OrgKind
from jiuzhu.payments.models import AdjustmentReport, LedgerEntry
from jiuzhu.payments.selectors import adjustments_for


def _township_org(township_code: str) -> Organisation:
    org = Organisation.objects.filter(jurisdiction_id=township_code, kind=OrgKind.TOWNSHIP).first()
    if org is None:
        raise ValidationFailed("该乡镇（街道）没有登记机构")
    return org


def issue_detail_table(*, by: User, county_code: str, month: date, township_code: str) -> IssuedDocument:
    entries = LedgerEntry.objects.filter(
        county_code=county_code, month=month, township_code=township_code
    ).order_by("area_code", "id")
    if not entries.exists():
        raise ValidationFailed(f"{month:%Y年%m月}该乡镇（街道）没有发放名单")
    names = dict(Jurisdiction.objects.filter(code__startswith=township_code[:9]).values_list("code", "name"))
    types = dict(AssistanceType.choices)
    rows = [
        {
            "village": names.get(e.area_code, ""),
            "name": e.recipient_name,
            "id_masked": e.id_masked,
            "type": types.get(e.assistance_type, ""),
            "people": e.covered_members,
            "amount": e.amount,
            "account": e.account_masked,
        }
        for e in entries
    ]
    total = entries.aggregate(total=Sum("amount"))["total"]
    township = _township_org(township_code)
    return documents.document_issue(
        by=by,
        kind="payment_detail_table",
        subject=None,
        issuing_org=township,
        area_code=township_code,
        title=f"{names.get(township_code, '')}{month:%Y年%m月}社会救助保障金发放明细表",
        context={
            "township": names.get(township_code, ""),
            "month": month,
            "rows": rows,
            "total": total,
            "households": len(rows),
            "persons": sum(r["people"] for r in rows),
        },
    )


def issue_adjustment_table(
    *, by: User, report: AdjustmentReport, on_record: Callable[[IssuedDocument], None] | None = None
) -> IssuedDocument:
    changes = adjustments_for(report.township_code, report.month)
    names = dict(
        Jurisdiction.objects.filter(code__startswith=report.township_code[:9]).values_list("code", "name")
    )
    rows = [
        {
            "village": names.get(c.enrolment.area_code, ""),
            "name": c.enrolment.household.head_name,
            "type": c.enrolment.get_assistance_type_display(),
            "kind": c.get_kind_display(),
            "before": c.amount_before,
            "after": c.amount_after,
            "reason": c.reason,
        }
        for c in changes
    ]
    document = documents.document_issue(
        by=by,
        kind="monthly_adjustment_table",
        subject=report,
        issuing_org=_township_org(report.township_code),
        area_code=report.township_code,
        title=f"{names.get(report.township_code, '')}{report.month:%Y年%m月}动态调整明细表",
        context={
            "township": names.get(report.township_code, ""),
            "month": report.month,
            "rows": rows,
            "late": report.late,
        },
        on_record=on_record,
    )
    return document
