"""N2 渐退: what a periodic review should conclude from the household's registered data."""

from __future__ import annotations

from dataclasses import dataclass

from jiuzhu.benefits import calculators, single_cover
from jiuzhu.benefits.models import Enrolment, EnrolmentStatus, ReviewOutcome
from jiuzhu.core import clock, params
from jiuzhu.core.dates import add_months, next_month
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.types import AssistanceType
from jiuzhu.registry.models import IncomeCategory


@dataclass(frozen=True)
class Proposal:
    outcome: str
    gradual_exit: bool
    text: str


def review_proposal(enrolment: Enrolment) -> Proposal | None:
    """N2 渐退: what a periodic review should conclude from the registered data. A 低保 household whose
    counted income now reaches the standard, with work income among it, is proposed a stop through the
    gradual-exit period (parameter); without work income, a plain stop."""
    if enrolment.assistance_type == AssistanceType.TEKUN or enrolment.status != EnrolmentStatus.ACTIVE:
        return None
    effective = next_month(clock.today())
    try:
        result = calculators.dibao_for_household(
            enrolment.household,
            assistance_type=enrolment.assistance_type,
            county_code=enrolment.county_code,
            month=effective,
            single=single_cover.member_of(enrolment.case_id),
        )
        months = params.get("benefit.gradual_exit_months", area_code=enrolment.county_code, on=clock.today())
    except (params.MissingParameter, ValidationFailed):  # nothing to propose from incomplete data
        return None
    if result.amount > 0:
        return None
    works = enrolment.household.incomes.filter(excluded=False, category=IncomeCategory.WAGE).exists()
    if works and months > 0:
        last = add_months(effective, months - 1)
        return Proposal(
            ReviewOutcome.STOP,
            True,
            f"按登记的收入测算已不符合低保条件，收入增加来自就业：建议实行渐退，"
            f"自{effective:%Y年%m月}起继续发放 {months} 个月至{last:%Y年%m月}止（渐退期，N2）。{result.breakdown}",
        )
    return Proposal(ReviewOutcome.STOP, False, f"按登记的收入测算已不符合低保条件：{result.breakdown}")
