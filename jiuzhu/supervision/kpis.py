"""KPIs of the supervision dashboard (S1, S5, S10, S11, capacity), computed from scoped reads.

Each function returns a `Table` (title, headers, rows); pages draw a chart from it and offer it as a
table and as Excel. Working days use `core.workdays`; overdue and problem-data figures use the latest
warning scan (S6), so the dashboard costs a few aggregate queries, not one per case.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum

from jiuzhu.cases.models_steps import (
    CaseStep,
    Decision,
    DecisionMeeting,
    EmergencyAid,
    MeetingLevel,
    Outcome,
    StepKind,
)
from jiuzhu.cases.selectors import cases_visible_to
from jiuzhu.cases.states import OPEN, State
from jiuzhu.core import clock, params, workdays
from jiuzhu.core.dates import add_months, month_start, next_month
from jiuzhu.core.types import TIME_LIMITED_TYPES, Category, category_of
from jiuzhu.orgs.models import DelegationGrant, Jurisdiction, Level, Membership
from jiuzhu.orgs.roles import Role
from jiuzhu.payments.models import PayrollRun, RunStatus
from jiuzhu.payments.statistics import consistency
from jiuzhu.supervision import selectors
from jiuzhu.supervision.models import (
    AlertStatus,
    ChecklistKind,
    ComplaintChannel,
    InspectionStatus,
    SampleKind,
)
from jiuzhu.supervision.rules import RULES

FEN = Decimal("0.01")


@dataclass
class Table:
    code: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    rule: str = ""
    note: str = ""


def _pct(part: int, whole: int) -> Decimal | None:
    return (Decimal(part * 100) / Decimal(whole)).quantize(FEN) if whole else None


def processing_times(user, townships: list[Jurisdiction]) -> Table:
    """S5: average working days from acceptance to decision, before and after the township's delegation
    started (its earliest grant)."""
    starts = dict(
        DelegationGrant.objects.filter(township__in=townships)
        .values_list("township_id")
        .annotate(first=Min("valid_from"))
    )
    accepted = dict(
        CaseStep.objects.filter(kind=StepKind.ACCEPT, case__in=cases_visible_to(user))
        .values_list("case_id")
        .annotate(on=Min("on"))
    )
    decided = (
        DecisionMeeting.objects.filter(
            level__in=[MeetingLevel.TOWNSHIP_DECISION, MeetingLevel.BUREAU_DECISION],
            case_id__in=list(accepted),
        )
        .values_list("case_id", "case__township_code")
        .annotate(on=Min("held_on"))
    )
    sums: dict[tuple[str, str], list[int]] = defaultdict(list)
    for case_id, township, held in decided:
        start = starts.get(township)
        phase = "after" if start is not None and held >= start else "before"
        sums[(township, phase)].append(workdays.working_days_between(accepted[case_id], held).days)
    table = Table(
        "processing",
        "权限下放前后平均办理时间（工作日）",
        ["乡镇（街道）", "委托起始日", "下放前件数", "下放前平均", "下放后件数", "下放后平均", "缩短"],
        rule="S5",
    )
    for t in townships:
        before, after = sums.get((t.code, "before"), []), sums.get((t.code, "after"), [])
        avg_b = (Decimal(sum(before)) / len(before)).quantize(Decimal("0.1")) if before else None
        avg_a = (Decimal(sum(after)) / len(after)).quantize(Decimal("0.1")) if after else None
        table.rows.append(
            [
                t.name,
                starts.get(t.code),
                len(before),
                avg_b,
                len(after),
                avg_a,
                (avg_b - avg_a) if avg_b is not None and avg_a is not None else None,
            ]
        )
    return table


def backlog(user, townships: list[Jurisdiction]) -> Table:
    """S5, P7: open cases per township now, and how many of the time-limited ones are past their deadline
    (from the latest warning scan)."""
    open_cases = dict(
        cases_visible_to(user).filter(status__in=OPEN).values_list("township_code").annotate(n=Count("id"))
    )
    limited = dict(
        cases_visible_to(user)
        .filter(status__in=OPEN, assistance_type__in=TIME_LIMITED_TYPES)
        .values_list("township_code")
        .annotate(n=Count("id"))
    )
    overdue = dict(
        selectors.alerts_visible_to(user)
        .filter(rule="case_past_deadline", status=AlertStatus.OPEN)
        .values_list("township_code")
        .annotate(n=Count("id"))
    )
    table = Table(
        "backlog",
        "在办积压与超期率",
        ["乡镇（街道）", "在办件数", "受时限约束在办", "已超期", "超期率（%）"],
        rule="P7、S5",
        note="超期数来自最近一次预警扫描",
    )
    for t in townships:
        table.rows.append(
            [
                t.name,
                open_cases.get(t.code, 0),
                limited.get(t.code, 0),
                overdue.get(t.code, 0),
                _pct(overdue.get(t.code, 0), limited.get(t.code, 0)),
            ]
        )
    return table


def problem_data(user, townships: list[Jurisdiction]) -> Table:
    """S11: problem-data rate = cases with an open data-quality warning / cases, against the limit."""
    quality = [code for code, r in RULES.items() if r.data_quality]
    problems = dict(
        selectors.alerts_visible_to(user)
        .filter(rule__in=quality, status=AlertStatus.OPEN, case__isnull=False)
        .values_list("township_code")
        .annotate(n=Count("case_id", distinct=True))
    )
    cases = dict(
        cases_visible_to(user)
        .exclude(status__in=[State.WITHDRAWN, State.NOT_ACCEPTED])
        .values_list("township_code")
        .annotate(n=Count("id"))
    )
    table = Table(
        "quality",
        "问题数据率",
        ["乡镇（街道）", "申请件数", "有未处理预警的件数", "问题数据率（%）", "上限（%）", "达标"],
        rule="S11",
        note="与财务台账一致率见“平台与财务台账一致率”",
    )
    today = clock.today()
    for t in townships:
        limit = params.get("quality.problem_data_percent", area_code=t.code, on=today)
        rate = _pct(problems.get(t.code, 0), cases.get(t.code, 0))
        table.rows.append(
            [t.name, cases.get(t.code, 0), problems.get(t.code, 0), rate, limit, rate is None or rate < limit]
        )
    return table


def ledger_consistency(user, townships: list[Jurisdiction]) -> Table:
    """S11: per township, the share of last paid month's ledger lines the bank paid with exactly the
    ledger's amount (the month of the latest finished payroll run of its county), against the target."""

    table = Table(
        "ledger",
        "平台与财务台账一致率",
        ["乡镇（街道）", "月份", "台账笔数", "银行成功且金额一致", "一致率（%）", "目标（%）", "达标"],
        rule="S11",
        note="按各县（区）最近一次生成的台账月份统计；尚未导入银行回盘的月份不计一致率",
    )
    today = clock.today()
    latest: dict[str, date] = {}
    for county, month in (
        PayrollRun.objects.filter(
            status=RunStatus.DONE, county_code__in={t.code[:6] + "000000" for t in townships}
        )
        .order_by("county_code", "-month")
        .values_list("county_code", "month")
    ):
        latest.setdefault(county, month)
    for t in townships:
        found = latest.get(t.code[:6] + "000000")
        if found is None:
            continue
        month = found
        c = consistency(t.code[:6] + "000000", month, t.code)
        if not c.entries:
            continue
        target = params.get("quality.ledger_consistency_percent", area_code=t.code, on=today)
        rate = None if c.pending == c.entries else c.rate
        table.rows.append(
            [
                t.name,
                f"{month:%Y-%m}",
                c.entries,
                c.consistent,
                rate,
                target,
                rate is not None and rate >= target,
            ]
        )
    return table


def complaint_trend(user, months: int = 12) -> Table:
    """S5, S8: complaints received per month and channel over the last year."""
    today = clock.today()
    first = add_months(month_start(today), -(months - 1))
    counts: dict[tuple[date, str], int] = defaultdict(int)
    for received, channel in (
        selectors.complaints_visible_to(user)
        .filter(received_on__gte=first)
        .values_list("received_on", "channel")
    ):
        counts[(month_start(received), channel)] += 1
    table = Table("complaints", "投诉举报趋势", ["月份", *ComplaintChannel.labels, "合计"], rule="S5、S8")
    month = first
    while month <= today:
        row = [counts[(month, c)] for c in ComplaintChannel.values]
        table.rows.append([f"{month:%Y-%m}", *row, sum(row)])
        month = next_month(month)
    return table


def coverage(user, townships: list[Jurisdiction], month: date) -> Table:
    """S1: full-process checks against the target (≥ 50 %): completed process inspections of the month's
    new approvals, per township."""
    month = month_start(month)
    end = next_month(month)
    approved = dict(
        Decision.objects.filter(
            outcome=Outcome.APPROVE,
            decided_on__gte=month,
            decided_on__lt=end,
            case__in=cases_visible_to(user),
        )
        .values_list("case__township_code")
        .annotate(n=Count("id"))
    )
    sample_items = selectors.samples_visible_to(user).filter(kind=SampleKind.MONTHLY, period_start=month)
    sampled = dict(sample_items.values_list("items__township_code").annotate(n=Count("items")))
    inspected = dict(
        selectors.inspections_visible_to(user)
        .filter(
            kind=ChecklistKind.PROCESS,
            status=InspectionStatus.COMPLETED,
            case__decision__decided_on__gte=month,
            case__decision__decided_on__lt=end,
        )
        .values_list("township_code")
        .annotate(n=Count("case_id", distinct=True))
    )
    table = Table(
        "coverage",
        f"{month:%Y年%m月}新增对象全流程核查覆盖率",
        ["乡镇（街道）", "新审核确认", "抽中", "已完成全流程核查", "覆盖率（%）", "目标（%）", "达标"],
        rule="S1",
    )
    for t in townships:
        target = params.get("supervision.full_check_percent", area_code=t.code, on=month)
        rate = _pct(inspected.get(t.code, 0), approved.get(t.code, 0))
        table.rows.append(
            [
                t.name,
                approved.get(t.code, 0),
                sampled.get(t.code, 0),
                inspected.get(t.code, 0),
                rate,
                target,
                rate is None or rate >= target,
            ]
        )
    return table


# --- funds (S10) and capacity ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    case_id: int
    number: str
    township_code: str
    on: date
    amount: Decimal
    kind: str


def linshi_payments(user, year: int) -> list[Payment]:
    """S10: every temporary-aid payment of the year, traced to its case: approved decisions of 临时救助 and
    emergency aid paid first (not yet registered as a decision)."""
    cases = cases_visible_to(user)
    out = [
        Payment(case_id, number, township, on, amount or Decimal(0), "审批发放")
        for case_id, number, township, on, amount, kind in Decision.objects.filter(
            outcome=Outcome.APPROVE, decided_on__year=year, case__in=cases
        ).values_list(
            "case_id", "case__number", "case__township_code", "decided_on", "amount", "case__assistance_type"
        )
        if category_of(kind) == Category.LINSHI
    ]
    out += [
        Payment(case_id, number, township, paid_at.date(), amount, "急难先行救助（待补办登记）")
        for case_id, number, township, paid_at, amount in EmergencyAid.objects.filter(
            paid_at__year=year, case__in=cases, case__decision__isnull=True
        ).values_list("case_id", "case__number", "case__township_code", "paid_at", "amount")
    ]
    return sorted(out, key=lambda p: (p.township_code, p.on, p.number))


def funds(user, townships: list[Jurisdiction], year: int) -> Table:
    allocated = dict(
        selectors.allocations_visible_to(user)
        .filter(year=year)
        .values_list("township_code")
        .annotate(s=Sum("amount"))
    )
    spent: dict[str, Decimal] = defaultdict(Decimal)
    count: dict[str, int] = defaultdict(int)
    for p in linshi_payments(user, year):
        spent[p.township_code] += p.amount
        count[p.township_code] += 1
    table = Table(
        "funds",
        f"{year}年临时救助资金",
        ["乡镇（街道）", "拨付（元）", "已发放（元）", "发放笔数", "结余（元）", "使用率（%）"],
        rule="S10",
    )
    for t in townships:
        a = allocated.get(t.code) or Decimal(0)
        s = spent.get(t.code, Decimal(0))
        table.rows.append(
            [t.name, a, s, count.get(t.code, 0), a - s, (s * 100 / a).quantize(FEN) if a else None]
        )
    return table


STAFF_ROLES = (Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_APPROVER)


def staffing(user, townships: list[Jurisdiction]) -> Table:
    """Seed 004 §5: 3–5 full-time staff per township; at least one assistant per village (parameters)."""
    today = clock.today()
    staff = dict(
        Membership.objects.filter(
            is_active=True,
            role__in=STAFF_ROLES,
            user__is_active=True,
            organisation__jurisdiction__in=townships,
        )
        .values_list("organisation__jurisdiction_id")
        .annotate(n=Count("user", distinct=True))
    )
    villages = Jurisdiction.objects.filter(level=Level.VILLAGE, parent__in=townships)
    with_assistants = dict(
        villages.annotate(
            n=Count(
                "organisations__memberships",
                filter=Q(
                    organisations__memberships__role=Role.VILLAGE_ASSISTANT,
                    organisations__memberships__is_active=True,
                ),
            )
        ).values_list("code", "n")
    )
    table = Table(
        "staffing",
        "经办力量配备",
        [
            "乡镇（街道）",
            "专职工作人员",
            "配备标准",
            "达标",
            "村（社区）数",
            "已配协理员的村（社区）",
            "未达标村（社区）",
        ],
        rule="聊民发〔2019〕57号 五",
    )
    for t in townships:
        low = params.get("staffing.township_min", area_code=t.code, on=today)
        high = params.get("staffing.township_max", area_code=t.code, on=today)
        need = params.get("staffing.village_assistant_min", area_code=t.code, on=today)
        own = [v for v in with_assistants if v.startswith(t.code[:9])]
        short = [v for v in own if with_assistants[v] < need]
        n = staff.get(t.code, 0)
        table.rows.append(
            [t.name, n, f"{low}–{high} 人", low <= n <= high, len(own), len(own) - len(short), len(short)]
        )
    return table


def trainings_per_year(user, county_code: str, years: int = 3) -> Table:
    today = clock.today()
    counts = dict(
        selectors.trainings_visible_to(user)
        .filter(county_code=county_code)
        .values_list("held_on__year")
        .annotate(n=Count("id"))
    )
    table = Table(
        "trainings", "县级业务培训", ["年度", "培训次数", "下限", "达标"], rule="聊民发〔2019〕57号 五"
    )
    for year in range(today.year - years + 1, today.year + 1):
        need = params.get("training.min_per_year", area_code=county_code, on=date(year, 1, 1))
        n = counts.get(year, 0)
        table.rows.append([str(year), n, need, n >= need])
    return table


# --- charts -------------------------------------------------------------------------------------------


def _num(v) -> float | None:
    return float(v) if isinstance(v, Decimal | int | float) and not isinstance(v, bool) else None


def bar_option(
    table: Table, columns: list[int], *, names: list[str] | None = None, stack: bool = False
) -> dict:
    """An ECharts option drawing the given numeric columns of a table, one bar series each."""
    labels = [str(r[0]) for r in table.rows]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 40, "right": 16, "top": 32, "bottom": 60, "containLabel": True},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"rotate": 30 if len(labels) > 6 else 0}},
        "yAxis": {"type": "value"},
        "series": [
            {
                "name": (names or table.headers)[i] if names else table.headers[c],
                "type": "bar",
                **({"stack": "all"} if stack else {}),
                "data": [_num(r[c]) for r in table.rows],
            }
            for i, c in enumerate(columns)
        ],
    }


def line_option(table: Table, columns: list[int]) -> dict:
    option = bar_option(table, columns)
    for s in option["series"]:
        s["type"] = "line"
        s["smooth"] = True
    return option
