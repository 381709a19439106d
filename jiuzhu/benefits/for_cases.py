"""What benefits adds to a case: the amount of an approval with its basis (B1, B2, temporary aid) and the
case-page panel with the self-care assessment and the calculation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from jiuzhu.benefits import calculators, income_rules, single_cover
from jiuzhu.benefits.models import Assessment, Enrolment
from jiuzhu.benefits.selectors import live_q
from jiuzhu.cases.checks import Finding
from jiuzhu.cases.models import CheckCode
from jiuzhu.cases.models_steps import Outcome
from jiuzhu.core import params
from jiuzhu.core.dates import next_month
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.money import fmt
from jiuzhu.core.types import AssistanceType
from jiuzhu.registry.models import Member

DIBAO = (AssistanceType.DIBAO_URBAN, AssistanceType.DIBAO_RURAL)
TEMPORARY = (AssistanceType.LINSHI_EXPENSE, AssistanceType.LINSHI_EMERGENCY)


def latest_assessment(case) -> Assessment | None:
    return case.assessments.order_by("-assessed_on", "-id").first()


def calculate(case, amount: Decimal | None, covered: int | None, on: date) -> calculators.Result | None:
    """The calculator's result for an approval decided on `on` (payment starts the next month, P3)."""
    month = next_month(on)
    if case.assistance_type in DIBAO:
        # The registered income items: staff record there what verification and the home visit found, and
        # the same figures, counted by the county's rules (N2), drive reviews.
        cover = single_cover.cover_of(case)
        if cover is not None:  # N2 单人保: checked again on the day of the decision
            single_cover.check(case, cover.member, on)
        return calculators.dibao_for_household(
            case.household,
            assistance_type=case.assistance_type,
            county_code=case.county_code,
            month=month,
            covered=covered,
            single=cover.member if cover is not None else None,
        )
    if case.assistance_type == AssistanceType.TEKUN:
        assessment = latest_assessment(case)
        if assessment is None:
            return None
        return calculators.tekun(
            level=assessment.level, care_form=assessment.care_form, area_code=case.county_code, month=month
        )
    if case.assistance_type in TEMPORARY and amount is not None:
        return calculators.temporary(amount=amount, area_code=case.county_code, on=on)
    return None


def amount_for_approval(
    case, amount: Decimal | None, covered: int | None, on: date
) -> tuple[Decimal | None, str]:
    """Registered as the cases calculator. Monthly amounts follow the formula to the fen: a blank amount is
    filled in, a different one is refused with the calculation, so every figure on the rolls is explained."""
    if case.assistance_type == AssistanceType.TEKUN and latest_assessment(case) is None:
        raise ValidationFailed("特困人员救助供养须先完成生活自理能力评估（B2）")
    try:
        result = calculate(case, amount, covered, on)
    except params.MissingParameter as exc:
        raise ValidationFailed(f"无法计算金额：{exc.message}") from None
    if result is None:
        return amount, ""
    if case.assistance_type in DIBAO and covered != 1 and single_cover.cover_of(case) is not None:
        raise ValidationFailed("单人保只保障该成员 1 人，请将保障人数填为 1")
    if case.assistance_type in DIBAO:
        if result.amount <= 0:
            raise ValidationFailed("按登记的家庭收入测算不符合低保条件（B1）：" + result.breakdown)
        if amount is not None and amount != result.amount:
            raise ValidationFailed(
                f"低保金额按差额计算应为 {fmt(result.amount)} 元（B1）：{result.breakdown}。"
                "如收入或保障人数有误，请先更正家庭信息"
            )
    if case.assistance_type == AssistanceType.TEKUN and amount is not None and amount != result.amount:
        raise ValidationFailed(
            f"特困供养金额按自理能力评估确定，应为 {fmt(result.amount)} 元（B2）：{result.breakdown}"
        )
    return result.amount, result.breakdown


def suggestion(case, on: date) -> calculators.Result | None:
    """What the decision form proposes; None when nothing can be calculated yet."""
    try:
        return calculate(case, None, None, on)
    except (ValidationFailed, params.MissingParameter):
        return None


def enrolled_check(case, members) -> list:
    """Intake check, registered with cases: a member already receives a monthly benefit, in this household or
    another one. Shown to staff with the enrolment, not a refusal (temporary aid may still be due)."""
    index = {m.id_index: m for m in members}
    holders = dict(
        Member.objects.filter(id_index__in=index, is_active=True).values_list("household_id", "id_index")
    )
    found = []
    for e in (
        Enrolment.objects.filter(live_q(), household_id__in=holders)
        .exclude(case_id=case.pk)
        .select_related("household")
    ):
        m = index[holders[e.household_id]]
        found.append(
            Finding(
                CheckCode.ENROLLED,
                f"{m.name}（{m.id_masked}）正在享受{e.get_assistance_type_display()}"
                f"（{e.household}，自{e.start_month:%Y年%m月}起，每月 {fmt(e.amount)} 元）",
                m.id,
                {"enrolment": e.pk},
            )
        )
    return found


def record_low_income_category(decision, by) -> None:
    """N1, registered as an approval hook: an approved 低收入 recognition stores its category (低保边缘,
    刚性支出困难 or 其他) and the calculation behind it, as of the day of the approval."""
    case = decision.case
    if case.assistance_type != AssistanceType.LOW_INCOME or decision.outcome != Outcome.APPROVE:
        return
    try:
        result = income_rules.low_income_category(
            case.household, county_code=case.county_code, on=decision.decided_on
        )
    except params.MissingParameter as exc:
        raise ValidationFailed(f"无法判定低收入类别：{exc.message}") from None
    decision.low_income_category = result.category
    decision.basis = result.text
    decision.save(update_fields=["low_income_category", "basis"])


def low_income_preview(case, on: date) -> income_rules.CategoryResult | None:
    """What the category would be if approved on `on` (the case page shows it before the decision)."""
    try:
        return income_rules.low_income_category(case.household, county_code=case.county_code, on=on)
    except (ValidationFailed, params.MissingParameter):
        return None
