"""The township's monthly dynamic-adjustment table (M1): next month's changes of its enrolments, reported
by the report day (late ones are marked) with the numbered table for the township head's signature."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from jiuzhu.core import audit, clock
from jiuzhu.core.dates import add_months, month_start
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.documents.register import ABANDONED_AFTER
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.payments.cycle import report_late
from jiuzhu.payments.documents import issue_adjustment_table
from jiuzhu.payments.models import AdjustmentReport
from jiuzhu.payments.selectors import adjustments_for


def adjustment_report_submit(*, by: User, township_code: str, month: date) -> AdjustmentReport:
    """M1: the township reports next month's dynamic adjustments by the report day (late ones are marked),
    with the numbered adjustment table for the township head's signature.

    The report row is written first (it claims the month), the table is rendered outside any transaction,
    and the report's event is written with the table's record. If the table cannot be issued the report
    is removed again (its number is recorded void), so the township can submit once more."""
    membership = authz.require(by, Perm.BENEFIT_MANAGE, township_code)
    today = clock.today()
    if month != add_months(month_start(today), 1):
        raise ValidationFailed("只能上报下月生效的动态调整")
    with transaction.atomic():
        existing = AdjustmentReport.objects.filter(township_code=township_code, month=month).first()
        if existing is not None:
            # A submission whose process died before its table was recorded does not block a new one.
            if existing.document_id or clock.now() - existing.submitted_at < ABANDONED_AFTER:
                raise ValidationFailed(f"{month:%Y年%m月}的动态调整表已上报")
            existing.delete()
        report = AdjustmentReport.objects.create(
            township_code=township_code,
            month=month,
            changes=adjustments_for(township_code, month).count(),
            late=report_late(township_code[:6] + "000000", today),
            by=by,
            submitted_at=clock.now(),
        )

    def submitted(document: IssuedDocument) -> None:
        AdjustmentReport.objects.filter(pk=report.pk).update(document=document)
        audit.record(
            actor=by,
            membership=membership,
            action="payroll.adjustment_report",
            obj=report,
            after={"month": month, "changes": report.changes, "late": report.late},
        )

    try:
        report.document = issue_adjustment_table(by=by, report=report, on_record=submitted)
    except BaseException:
        AdjustmentReport.objects.filter(pk=report.pk, document__isnull=True).delete()
        raise
    return report
