"""The monitoring figures per township and month (动态监测月报): warnings by source and category, verified on
time, outcomes, households newly enrolled through monitoring, referrals answered — on the dashboard, in
Excel and as a printable PDF. Counted by the month the warnings were made (their 比对 month)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.template.loader import render_to_string

from jiuzhu.cases.models_steps import Outcome
from jiuzhu.core import clock
from jiuzhu.core.exports import xlsx_bytes
from jiuzhu.monitoring.models.watch import (
    MonitoringWarning,
    Resolution,
    Source,
    WarningCategory,
)
from jiuzhu.monitoring.watch_selectors import warnings_visible_to
from jiuzhu.orgs.models import User
from jiuzhu.supervision.selectors import names, townships_for


@dataclass
class TownshipMonth:
    code: str
    name: str
    total: int = 0
    by_source: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Source.values, 0))
    by_category: dict[str, int] = field(default_factory=lambda: dict.fromkeys(WarningCategory.values, 0))
    verified: int = 0
    verified_on_time: int = 0
    overdue_open: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Resolution.values, 0))
    enrolled_cases: set[int] = field(default_factory=set)  # applications from warnings, approved
    referrals: int = 0
    referrals_answered: int = 0

    @property
    def enrolled(self) -> int:
        return len(self.enrolled_cases)

    @property
    def on_time_percent(self) -> str:
        return f"{self.verified_on_time * 100 / self.verified:.1f}%" if self.verified else "—"


@dataclass
class MonthReport:
    month: date
    rows: list[TownshipMonth]
    total: TownshipMonth


def month_report(user: User, month: date) -> MonthReport:
    """One row per township the user sees (those without warnings too), and the total."""
    townships = list(townships_for(user))
    rows = {t.code: TownshipMonth(t.code, t.name) for t in townships}
    today = clock.today()
    qs = MonitoringWarning.objects.filter(period=month, township_code__in=rows)
    for w in qs.values(
        "township_code",
        "source",
        "category",
        "status",
        "verified_on",
        "due_on",
        "resolution",
        "case_id",
        "case__decision__outcome",
        "referral__id",
        "referral__answered_on",
    ):
        row = rows[w["township_code"]]
        row.total += 1
        row.by_source[w["source"]] += 1
        row.by_category[w["category"]] += 1
        if w["verified_on"] is not None:
            row.verified += 1
            row.verified_on_time += w["verified_on"] <= w["due_on"]
        elif w["due_on"] < today:
            row.overdue_open += 1
        if w["resolution"]:
            row.outcomes[w["resolution"]] += 1
        if w["resolution"] == Resolution.ENROL and w["case__decision__outcome"] == Outcome.APPROVE:
            row.enrolled_cases.add(w["case_id"])  # one application, however many warnings led to it
        if w["referral__id"] is not None:
            row.referrals += 1
            row.referrals_answered += w["referral__answered_on"] is not None
    total = TownshipMonth("", "合计")
    for row in rows.values():
        total.total += row.total
        total.enrolled_cases |= row.enrolled_cases
        for attr in (
            "verified",
            "verified_on_time",
            "overdue_open",
            "referrals",
            "referrals_answered",
        ):
            setattr(total, attr, getattr(total, attr) + getattr(row, attr))
        for attr in ("by_source", "by_category", "outcomes"):
            mine, theirs = getattr(total, attr), getattr(row, attr)
            for key, value in theirs.items():
                mine[key] += value
    return MonthReport(month, list(rows.values()), total)


def overdue_count(user: User) -> int:
    return warnings_visible_to(user).filter(Q(status="open") & Q(due_on__lt=clock.today())).count()


HEADERS = [
    "乡镇（街道）",
    "预警总数",
    *(f"来源：{label}" for label in Source.labels),
    *(f"类别：{label}" for label in WarningCategory.labels),
    "已核实",
    "按期核实",
    "按期核实率",
    "逾期未核实",
    *(f"处置：{label}" for label in Resolution.labels),
    "经监测新纳入救助（户）",
    "转专项救助",
    "部门已反馈",
]


def _cells(row: TownshipMonth) -> list:
    return [
        row.name,
        row.total,
        *row.by_source.values(),
        *row.by_category.values(),
        row.verified,
        row.verified_on_time,
        row.on_time_percent,
        row.overdue_open,
        *row.outcomes.values(),
        row.enrolled,
        row.referrals,
        row.referrals_answered,
    ]


def report_xlsx(report: MonthReport) -> bytes:
    title = f"动态监测月报（{report.month:%Y年%m月}）"
    return xlsx_bytes("动态监测月报", HEADERS, [*map(_cells, report.rows), _cells(report.total)], title=title)


def report_pdf(report: MonthReport, user: User) -> bytes:
    # Imported here: WeasyPrint is heavy, loaded only when a PDF is made.
    from jiuzhu.documents import rendering

    html = render_to_string(
        "monitoring/watch_report_pdf.html",
        {
            "report": report,
            "headers": HEADERS,
            "rows": [_cells(r) for r in report.rows],
            "total": _cells(report.total),
            "by": user,
            "at": clock.now(),
            "names": names(),
        },
    )
    return rendering.render_pdf(html)
