"""The monthly cycle (M1): adjustments reported by the report day, decisions by the decision day, the
payment list exported on the export day; after that, decisions and every change that affects payment are
refused until the next month's ledger is generated (on the ledger day). The days are parameters; the bureau
can reopen a frozen month with a logged reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jiuzhu.core import clock, params
from jiuzhu.core.dates import add_months, month_start
from jiuzhu.core.errors import PeriodLocked
from jiuzhu.payments.models import CycleReopen, PayrollRun, RunStatus


@dataclass(frozen=True)
class CycleDays:
    report: int
    decision: int
    export: int
    ledger: int


def days(county_code: str, on: date) -> CycleDays:
    return CycleDays(
        *(
            params.get(f"cycle.{k}_day", area_code=county_code, on=on)
            for k in ("report", "decision", "export", "ledger")
        )
    )


def ledger_generated(county_code: str, month: date) -> bool:
    return PayrollRun.objects.filter(county_code=county_code, month=month, status=RunStatus.DONE).exists()


def cycle_in_use(county_code: str) -> bool:
    return PayrollRun.objects.filter(county_code=county_code, status=RunStatus.DONE).exists()


def reopened(county_code: str, month: date) -> bool:
    return CycleReopen.objects.filter(county_code=county_code, month=month, closed_at__isnull=True).exists()


def lock_reason(county_code: str, today: date | None = None, *, decision: bool = False) -> str | None:
    """Why payment-affecting business is frozen in this county today, or None. Decisions (`decision=True`)
    close already after the decision day: approvals are complete by then, the list is exported next."""
    today = today or clock.today()
    month = month_start(today)
    d = days(county_code, today)
    if decision and d.decision < today.day <= d.export and not reopened(county_code, month):
        return (
            f"本月审批须于{d.decision}日前完成，{d.export}日导出发放名单（M1）；"
            f"{add_months(month, 1):%m月}台账生成后再作出审批决定；受理、调查等业务照常办理"
        )
    if today.day > d.export and not reopened(county_code, month):
        return (
            f"{today:%Y年%m月}{d.export}日已导出发放名单，{add_months(month, 1):%m月}台账生成前"
            "不能办理审批和涉及发放的变更（M1）；受理、调查等业务照常办理"
        )
    if (
        cycle_in_use(county_code)
        and not ledger_generated(county_code, month)
        and not reopened(county_code, month)
    ):
        return f"{today:%Y年%m月}台账尚未生成，生成前不能办理审批和涉及发放的变更（M1）"
    return None


def ensure_open(county_code: str) -> None:
    reason = lock_reason(county_code)
    if reason:
        raise PeriodLocked(reason)


def report_late(county_code: str, on: date) -> bool:
    return on.day > days(county_code, on).report


def decision_late(county_code: str, on: date) -> bool:
    return on.day > days(county_code, on).decision
