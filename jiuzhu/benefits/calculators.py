"""Benefit calculators (B1, B2, temporary aid). Each returns the amount with a human-readable breakdown, so
that every figure can be explained to an auditor. They read policy parameters for the month; no policy
number is written here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from jiuzhu.benefits import income_rules
from jiuzhu.core import params
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.money import fmt, round_fen
from jiuzhu.core.params import Kind, ParamDef

_B = "保障标准"
params.register(
    ParamDef(
        "dibao.floor",
        "低保最低发放金额",
        Kind.MONEY,
        "元/户·月",
        "B1",
        "差额计算不足此数时按此数发放；不设置则无保底",
        0,
        100_000,
        _B,
    ),
    ParamDef(
        "tekun.basic_standard", "特困人员基本生活标准", Kind.MONEY, "元/人·月", "B2", "", 0, 100_000, _B
    ),
    *(
        ParamDef(
            f"tekun.care.{level}.{form}",
            f"特困照料护理标准（{level_label}·{form_label}）",
            Kind.MONEY,
            "元/人·月",
            "B2",
            "",
            0,
            100_000,
            _B,
        )
        for level, level_label in (
            ("able", "具备自理能力"),
            ("partial", "部分丧失自理能力"),
            ("unable", "完全丧失自理能力"),
        )
        for form, form_label in (("dispersed", "分散供养"), ("centralised", "集中供养"))
    ),
    ParamDef(
        "tekun.selfcare.partial_min_unmet",
        "部分丧失生活自理能力：达不到的指标项数下限",
        Kind.INT,
        "项",
        "B2",
        "六项指标中达不到的项数不少于此数为部分丧失",
        1,
        6,
        _B,
    ),
    ParamDef(
        "tekun.selfcare.unable_min_unmet",
        "完全丧失生活自理能力：达不到的指标项数下限",
        Kind.INT,
        "项",
        "B2",
        "六项指标中达不到的项数不少于此数为完全丧失",
        1,
        6,
        _B,
    ),
    ParamDef("linshi.min_amount", "临时救助最低金额", Kind.MONEY, "元", "—", "", 0, 1_000_000, _B),
    ParamDef(
        "linshi.max_amount",
        "临时救助最高金额",
        Kind.MONEY,
        "元",
        "—",
        "一次救助不超过此数",
        0,
        10_000_000,
        _B,
    ),
)


@dataclass(frozen=True)
class Result:
    amount: Decimal
    breakdown: str
    inputs: dict = field(default_factory=dict)


def dibao(
    *,
    standard: Decimal,
    counted_income: Decimal,
    covered: int,
    floor: Decimal | None = None,
) -> Result:
    """B1: (standard − income per covered member) × covered members, computed as standard × n − income so
    that no per-head rounding leaks into the amount."""
    if covered < 1:
        raise ValidationFailed("保障人数至少为 1 人")
    if counted_income < 0:
        raise ValidationFailed("家庭收入不能为负数")
    per_head = (counted_income / covered).quantize(Decimal("0.01"), ROUND_HALF_UP)
    gap = standard * covered - counted_income
    amount = round_fen(max(gap, Decimal("0")))
    text = (
        f"低保标准 {fmt(standard)} 元/人·月 − 家庭人均月收入 {fmt(per_head)} 元"
        f"（计入收入 {fmt(counted_income)} 元 ÷ 保障人数 {covered} 人）；差额 × {covered} 人 = {fmt(amount)} 元/月"
    )
    if gap <= 0:
        text += "（人均收入不低于标准，不符合低保条件）"
    elif floor is not None and amount < floor:
        text += f"；低于保底金额，按 {fmt(floor)} 元发放"
        amount = floor
    return Result(
        amount,
        text,
        {
            "standard": str(standard),
            "income": str(counted_income),
            "covered": covered,
            "per_head": str(per_head),
            "floor": str(floor) if floor is not None else None,
        },
    )


def dibao_for_household(
    household,
    *,
    assistance_type: str,
    county_code: str,
    month: date,
    covered: int | None = None,
    single=None,
) -> Result:
    """B1 with the standard of the household's area in force for `month` and its income counted by the
    county's rules (N2, `income_rules.counted_income`); `covered` overrides the number of covered members
    when a decision covers fewer. `single`: the one member of a 单人保, paid as a one-person household on
    their own income."""
    standard = params.get(income_rules.standard_key(assistance_type), area_code=county_code, on=month)
    try:
        floor = params.get("dibao.floor", area_code=county_code, on=month)
    except params.MissingParameter:
        floor = None
    income = income_rules.counted_income(
        household, county_code=county_code, month=month, standard=standard, member=single
    )
    if single is not None:
        covered = 1
    covered = covered or household.members.filter(is_active=True, covered=True).count()
    result = dibao(standard=standard, counted_income=income.total, covered=covered, floor=floor)
    text = result.breakdown
    if income.lines:
        text = f"收入核算：{income.text}。{text}"
    if single is not None:
        text = f"单人保（{single.name}，按一人户计算本人收入）：{text}"
    return Result(result.amount, text, result.inputs | {"income_rules": income.lines})


SELFCARE_ITEMS = [
    ("eat", "自主吃饭"),
    ("dress", "自主穿衣"),
    ("bed", "自主上下床"),
    ("toilet", "自主如厕"),
    ("walk", "室内自主行走"),
    ("bathe", "自主洗澡"),
]
LEVELS = {"able": "具备生活自理能力", "partial": "部分丧失生活自理能力", "unable": "完全丧失生活自理能力"}
CARE_FORMS = {"dispersed": "分散供养", "centralised": "集中供养"}


def selfcare_level(unmet: int, *, area_code: str, on: date) -> str:
    """B2: the level from how many of the six indicators are not met (thresholds are parameters)."""
    if not 0 <= unmet <= len(SELFCARE_ITEMS):
        raise ValidationFailed("达不到的指标项数应在 0–6 之间")
    if unmet >= params.get("tekun.selfcare.unable_min_unmet", area_code=area_code, on=on):
        return "unable"
    if unmet >= params.get("tekun.selfcare.partial_min_unmet", area_code=area_code, on=on):
        return "partial"
    return "able"


def tekun(*, level: str, care_form: str, area_code: str, month: date) -> Result:
    """B2: basic living standard + the care standard for the level and the form the person chose."""
    if level not in LEVELS or care_form not in CARE_FORMS:
        raise ValidationFailed("自理能力等级或供养形式无效")
    basic = params.get("tekun.basic_standard", area_code=area_code, on=month)
    care = params.get(f"tekun.care.{level}.{care_form}", area_code=area_code, on=month)
    amount = round_fen(basic + care)
    return Result(
        amount,
        f"基本生活标准 {fmt(basic)} 元 + 照料护理标准（{LEVELS[level]}、{CARE_FORMS[care_form]}）"
        f"{fmt(care)} 元 = {fmt(amount)} 元/月",
        {"basic": str(basic), "care": str(care), "level": level, "care_form": care_form},
    )


def temporary(*, amount: Decimal, area_code: str, on: date) -> Result:
    """Temporary aid: an amount within the parameterised limits."""
    low = params.get("linshi.min_amount", area_code=area_code, on=on)
    high = params.get("linshi.max_amount", area_code=area_code, on=on)
    if not low <= amount <= high:
        raise ValidationFailed(
            f"临时救助金额应在 {fmt(low)}–{fmt(high)} 元之间", field_errors={"amount": "超出限额"}
        )
    return Result(
        amount,
        f"临时救助 {fmt(amount)} 元（限额 {fmt(low)}–{fmt(high)} 元）",
        {"amount": str(amount), "min": str(low), "max": str(high)},
    )
