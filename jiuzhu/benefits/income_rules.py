"""Income rules counties use since 2023 (N1, N2): which registered income counts for 低保, the 低保边缘 and
刚性支出困难 tests of a low-income recognition, and who may be enrolled alone (单人保). Every number is a policy
parameter of the county; every result carries the lines that explain it (B1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from jiuzhu.benefits.models import Enrolment
from jiuzhu.benefits.selectors import live_q
from jiuzhu.core import params
from jiuzhu.core.dates import add_months, month_start
from jiuzhu.core.money import fmt, round_fen
from jiuzhu.core.params import Kind, ParamDef
from jiuzhu.core.types import AssistanceType, LowIncomeCategory
from jiuzhu.registry.models import (
    AssetKind,
    Disability,
    ExpenseKind,
    IncomeCategory,
    RigidExpense,
    UrbanRural,
)

_G = "收入核算与低收入认定"
ILLNESSES = (
    ("cancer", "恶性肿瘤"),
    ("uremia", "尿毒症（终末期肾病）"),
    ("leukemia", "白血病"),
    ("transplant", "器官移植"),
    ("severe_mental", "重性精神疾病"),
    ("mdr_tb", "耐多药肺结核"),
    ("hemophilia", "血友病"),
    ("aplastic_anemia", "再生障碍性贫血"),
    ("heart_failure", "慢性心力衰竭"),
    ("stroke", "脑卒中后遗症"),
)
JOB_COST_MODES = (("off", "不扣除"), ("percent", "按低保标准的比例"), ("fixed", "固定金额"))

params.register(
    *(
        ParamDef(
            f"income.deduct.{kind}",
            f"刚性支出扣减：{label}",
            Kind.BOOL,
            "",
            "N2",
            "开启后，近 12 个月此类支出按月均从家庭收入中扣除",
            group=_G,
        )
        for kind, label in ExpenseKind.choices
    ),
    ParamDef(
        "income.schooling_threshold",
        "教育支出扣减起点",
        Kind.MONEY,
        "元/户·年",
        "N2",
        "近 12 个月教育支出超过此数的部分才扣减",
        0,
        1_000_000,
        _G,
    ),
    ParamDef(
        "income.job_cost.mode",
        "就业成本扣减方式",
        Kind.TEXT,
        "",
        "N2",
        "每名就业成员从其工资收入中扣除的就业成本",
        group=_G,
        choices=JOB_COST_MODES,
    ),
    ParamDef(
        "income.job_cost.percent", "就业成本（低保标准的比例）", Kind.PERCENT, "%", "N2", "", 0, 100, _G
    ),
    ParamDef(
        "income.job_cost.fixed", "就业成本（固定金额）", Kind.MONEY, "元/人·月", "N2", "", 0, 100_000, _G
    ),
    ParamDef(
        "income.new_job_exempt_months",
        "新就业收入不计入月数",
        Kind.INT,
        "个月",
        "N2",
        "成员新就业的工资收入自就业当月起此月数内不计入家庭收入（0 为不实行）",
        0,
        24,
        _G,
    ),
    ParamDef(
        "low_income.edge_percent",
        "低保边缘认定线",
        Kind.PERCENT,
        "% × 低保标准",
        "N1",
        "家庭人均收入低于低保标准的此比例（如 150 即 1.5 倍）",
        100,
        500,
        _G,
    ),
    ParamDef(
        "low_income.asset_limit_per_head",
        "低收入家庭人均存款及金融资产上限",
        Kind.MONEY,
        "元/人",
        "N1",
        "存款、有价证券和理财等金融资产合计除以家庭人数",
        0,
        100_000_000,
        _G,
    ),
    ParamDef(
        "low_income.disposable_income",
        "上年度当地居民人均可支配收入",
        Kind.MONEY,
        "元/人·年",
        "N1",
        "刚性支出困难家庭的人均收入须低于此数",
        0,
        10_000_000,
        _G,
    ),
    ParamDef(
        "low_income.rigid_share",
        "刚性支出占家庭收入比例",
        Kind.PERCENT,
        "%",
        "N1",
        "近 12 个月刚性支出超过家庭同期收入的此比例",
        0,
        1000,
        _G,
    ),
    ParamDef(
        "dibao.single.enabled",
        "实行单人保",
        Kind.BOOL,
        "",
        "N2",
        "低保边缘家庭中重残、重病成员可单独纳入低保",
        group=_G,
    ),
    ParamDef(
        "dibao.single.disability_grades",
        "单人保：残疾等级（各类残疾）",
        Kind.INT_LIST,
        "级",
        "N2",
        "",
        1,
        4,
        _G,
    ),
    ParamDef(
        "dibao.single.mind_disability_grades",
        "单人保：智力、精神残疾等级",
        Kind.INT_LIST,
        "级",
        "N2",
        "",
        1,
        4,
        _G,
    ),
    ParamDef(
        "dibao.single.illnesses",
        "单人保：重特大疾病范围",
        Kind.TEXT_LIST,
        "",
        "N2",
        "成员登记为患重特大疾病且疾病情况写明其中之一",
        group=_G,
        choices=ILLNESSES,
    ),
)


def _p(key: str, county_code: str, on: date):
    return params.get(key, area_code=county_code, on=on)


def standard_key(assistance_type: str) -> str:
    return "dibao.standard.urban" if assistance_type == AssistanceType.DIBAO_URBAN else "dibao.standard.rural"


def household_standard(household, county_code: str, on: date) -> Decimal:
    """The 低保 standard that applies to the household (urban or rural by its registration)."""
    urban = household.urban_rural == UrbanRural.URBAN
    return _p("dibao.standard.urban" if urban else "dibao.standard.rural", county_code, on)


@dataclass(frozen=True)
class CountedIncome:
    """The monthly income counted for 低保 after the county's rules (N2), with the lines that explain it."""

    registered: Decimal  # the registered items not excluded by policy
    exempt: Decimal  # new-job wages not counted yet
    job_cost: Decimal
    rigid: Decimal
    total: Decimal
    lines: list[str] = field(default_factory=list)

    @property
    def before_deductions(self) -> Decimal:
        return self.registered - self.exempt

    @property
    def text(self) -> str:
        return "；".join(self.lines)


def _window(month: date) -> tuple[date, date]:
    """The 12 months before `month` (N1: rigid spending of the last 12 months)."""
    start = month_start(month)
    return add_months(start, -12), start


def rigid_spending(household, month: date, *, member=None) -> dict[str, Decimal]:
    """Rigid spending per kind paid in the 12 months before `month`."""
    since, until = _window(month)
    rows = RigidExpense.objects.filter(household=household, paid_on__gte=since, paid_on__lt=until)
    if member is not None:
        rows = rows.filter(member=member)
    return {r["kind"]: r["total"] for r in rows.values("kind").annotate(total=Sum("amount")).order_by("kind")}


def counted_income(
    household, *, county_code: str, month: date, standard: Decimal, member=None
) -> CountedIncome:
    """N2: registered income not excluded by policy, less new-job wages within their first N months, less
    the 就业成本 per employed member, less the rigid spending the county deducts. `member` counts one member
    alone (单人保)."""
    items = list(household.incomes.filter(excluded=False).select_related("member"))
    if member is not None:
        items = [i for i in items if i.member_id == member.pk]
    registered = sum((i.monthly_amount for i in items), Decimal("0"))
    lines: list[str] = []
    exempt_months = _p("income.new_job_exempt_months", county_code, month)
    exempt = Decimal("0")
    wages: dict[int, Decimal] = {}
    names: dict[int, str] = {}
    for item in items:
        if item.category != IncomeCategory.WAGE:
            continue
        if item.started_on and month < add_months(month_start(item.started_on), exempt_months):
            exempt += item.monthly_amount
            last = add_months(month_start(item.started_on), exempt_months - 1)
            lines.append(
                f"{item.member.name if item.member else '成员'}新就业收入 {fmt(item.monthly_amount)} 元"
                f"（{item.started_on:%Y-%m-%d} 起，{exempt_months} 个月内不计入，至 {last:%Y年%m月}）"
            )
            continue
        if item.member_id is not None:
            wages[item.member_id] = wages.get(item.member_id, Decimal("0")) + item.monthly_amount
            names[item.member_id] = item.member.name
    job_cost = _job_cost(wages, names, county_code, month, standard, lines)
    rigid = _rigid(household, county_code, month, lines, member=member)
    after = registered - exempt - job_cost
    total = max(after - rigid, Decimal("0"))
    if lines:
        lines.insert(0, f"登记计入收入 {fmt(registered)} 元")
        lines.append(f"核算后计入收入 {fmt(total)} 元")
    return CountedIncome(registered, exempt, job_cost, min(rigid, max(after, Decimal("0"))), total, lines)


def _job_cost(
    wages: dict[int, Decimal],
    names: dict[int, str],
    county_code: str,
    month: date,
    standard: Decimal,
    lines: list[str],
) -> Decimal:
    mode = _p("income.job_cost.mode", county_code, month)
    if mode == "off" or not wages:
        return Decimal("0")
    if mode == "percent":
        percent = _p("income.job_cost.percent", county_code, month)
        each = round_fen(standard * percent / 100)
        how = f"低保标准 {fmt(standard)} 元 × {percent.normalize():f}%"
    else:
        each = _p("income.job_cost.fixed", county_code, month)
        how = "固定金额"
    total = Decimal("0")
    for member_id, wage in wages.items():
        cost = min(each, wage)
        total += cost
        lines.append(f"{names[member_id]}就业成本扣除 {fmt(cost)} 元（{how} = {fmt(each)} 元，以其工资为限）")
    return total


def _rigid(household, county_code: str, month: date, lines: list[str], *, member=None) -> Decimal:
    spent = rigid_spending(household, month, member=member)
    total = Decimal("0")
    for kind, label in ExpenseKind.choices:
        if not spent.get(kind) or not _p(f"income.deduct.{kind}", county_code, month):
            continue
        amount = spent[kind]
        note = f"近 12 个月{label} {fmt(amount)} 元"
        if kind == ExpenseKind.SCHOOLING:
            threshold = _p("income.schooling_threshold", county_code, month)
            amount = max(amount - threshold, Decimal("0"))
            note += f"，超过起点 {fmt(threshold)} 元的部分 {fmt(amount)} 元"
        monthly = round_fen(amount / 12)
        if monthly > 0:
            total += monthly
            lines.append(f"{note}，按月扣除 {fmt(monthly)} 元")
    return total


def _per_head(amount: Decimal, people: int) -> Decimal:
    return (amount / max(people, 1)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass(frozen=True)
class EdgeTest:
    """N1: the 低保边缘 test of a household."""

    per_head: Decimal
    standard: Decimal
    line: Decimal
    assets_per_head: Decimal
    asset_limit: Decimal
    on_benefit: bool
    income: CountedIncome
    people: int

    @property
    def below_line(self) -> bool:
        return self.per_head < self.line

    @property
    def assets_ok(self) -> bool:
        return self.assets_per_head <= self.asset_limit

    @property
    def passes(self) -> bool:
        return self.below_line and self.assets_ok and not self.on_benefit

    @property
    def text(self) -> str:
        return (
            f"家庭人均月收入 {fmt(self.per_head)} 元（计入收入 {fmt(self.income.total)} 元 ÷ {self.people} 人）"
            f"{'低于' if self.below_line else '不低于'}低保边缘线 {fmt(self.line)} 元；"
            f"人均存款及金融资产 {fmt(self.assets_per_head)} 元{'未超过' if self.assets_ok else '超过'}"
            f"上限 {fmt(self.asset_limit)} 元；{'正在享受低保或特困供养' if self.on_benefit else '未享受低保、特困'}"
        )


def edge_test(household, *, county_code: str, on: date) -> EdgeTest:
    """N1: income per head below the edge line (a percentage of the local 低保 standard), deposits and
    financial assets per head within the limit, and not on 低保/特困."""
    standard = household_standard(household, county_code, on)
    percent = _p("low_income.edge_percent", county_code, on)
    line = round_fen(standard * percent / 100)
    people = household.members.filter(is_active=True, covered=True).count()
    income = counted_income(household, county_code=county_code, month=on, standard=standard)
    assets = household.assets.filter(kind__in=(AssetKind.DEPOSIT, AssetKind.FINANCIAL)).aggregate(
        total=Sum("value")
    )["total"] or Decimal("0")
    on_benefit = Enrolment.objects.filter(
        live_q(),
        household=household,
        assistance_type__in=(AssistanceType.DIBAO_URBAN, AssistanceType.DIBAO_RURAL, AssistanceType.TEKUN),
    ).exists()
    return EdgeTest(
        per_head=_per_head(income.total, people),
        standard=standard,
        line=line,
        assets_per_head=_per_head(assets, people),
        asset_limit=_p("low_income.asset_limit_per_head", county_code, on),
        on_benefit=on_benefit,
        income=income,
        people=people,
    )


@dataclass(frozen=True)
class CategoryResult:
    category: str
    text: str
    inputs: dict


def low_income_category(household, *, county_code: str, on: date) -> CategoryResult:
    """N1: the category of a 低收入 recognition approved on `on`: 低保边缘 first, then 刚性支出困难 (income per
    head below last year's local disposable income per head, rigid spending of the last 12 months above a
    share of the household's income of the same months), otherwise 其他."""
    edge = edge_test(household, county_code=county_code, on=on)
    percent = _p("low_income.edge_percent", county_code, on)
    edge_text = f"低保边缘：低保标准 {fmt(edge.standard)} 元 × {percent.normalize():f}% = {fmt(edge.line)} 元；{edge.text}"
    inputs = {
        "per_head": str(edge.per_head),
        "edge_line": str(edge.line),
        "assets_per_head": str(edge.assets_per_head),
        "on_benefit": edge.on_benefit,
    }
    if edge.passes:
        return CategoryResult(LowIncomeCategory.EDGE, f"认定为低保边缘家庭。{edge_text}", inputs)
    yearly = _p("low_income.disposable_income", county_code, on)
    monthly_line = round_fen(yearly / 12)
    share = _p("low_income.rigid_share", county_code, on)
    spent = sum(rigid_spending(household, on).values(), Decimal("0"))
    income_year = edge.income.before_deductions * 12
    limit = round_fen(income_year * share / 100)
    rigid_ok = edge.per_head < monthly_line and spent > limit and edge.assets_ok and not edge.on_benefit
    rigid_text = (
        f"刚性支出困难：家庭人均月收入 {fmt(edge.per_head)} 元"
        f"{'低于' if edge.per_head < monthly_line else '不低于'}上年度人均可支配收入 {fmt(yearly)} 元 ÷ 12 = "
        f"{fmt(monthly_line)} 元；近 12 个月刚性支出 {fmt(spent)} 元"
        f"{'超过' if spent > limit else '未超过'}家庭年收入 {fmt(income_year)} 元 × {share.normalize():f}% = {fmt(limit)} 元"
    )
    inputs |= {"disposable_monthly": str(monthly_line), "rigid_spent": str(spent), "rigid_limit": str(limit)}
    if rigid_ok:
        return CategoryResult(
            LowIncomeCategory.RIGID_EXPENSE, f"认定为刚性支出困难家庭。{rigid_text}。{edge_text}", inputs
        )
    return CategoryResult(LowIncomeCategory.OTHER, f"认定为其他低收入家庭。{edge_text}。{rigid_text}", inputs)


# --- 单人保 (N2) -----------------------------------------------------------------------------------------


def single_reason(member, *, county_code: str, on: date) -> str | None:
    """Why `member` may be enrolled alone (grade of disability, listed serious illness), or None."""
    grades = _p("dibao.single.disability_grades", county_code, on)
    mind = _p("dibao.single.mind_disability_grades", county_code, on)
    grade = member.disability_grade
    if member.disability and grade in grades:
        return f"{member.get_disability_display()}{grade}级"
    if member.disability in (Disability.INTELLECTUAL, Disability.MENTAL) and grade in mind:
        return f"{member.get_disability_display()}{grade}级"
    if member.serious_illness:
        listed = set(_p("dibao.single.illnesses", county_code, on))
        for code, label in ILLNESSES:
            words = label.replace("）", "").split("（")
            if code in listed and any(w in member.illness_note for w in words):
                return f"患{label}"
    return None
