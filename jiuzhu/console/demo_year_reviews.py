"""Periodic reviews of the demo year (定期核查, DM1): each month the townships review the 低保 households
whose review is most overdue. What a review finds comes first, as a change of the household's registered
data (an odd job ended, a child now pays support, a business opened, a member found steady work); the review
then concludes what the product proposes from those data — an increase, a decrease, a stop, or a stop
through the gradual-exit period when the new income is from work (渐退, N2) — and a decrease or stop gets
its written notice (调整（停发）告知书)."""

from __future__ import annotations

from datetime import date, timedelta

from jiuzhu.benefits import calculators, proposals, single_cover
from jiuzhu.benefits.documents import issue_adjustment_notice
from jiuzhu.benefits.models import Enrolment, EnrolmentStatus, ReviewOutcome
from jiuzhu.benefits.services import ReviewInput, amount_for, periodic_review
from jiuzhu.cases.demo import _u
from jiuzhu.console.demo_year import COUNTY, TOWNSHIPS, Life, Walk
from jiuzhu.console.demo_year_steps import open_day, pick
from jiuzhu.core import clock
from jiuzhu.core.dates import next_month
from jiuzhu.registry.models import IncomeCategory
from jiuzhu.registry.services.income_assets import income_add, income_remove

# What the month's reviews find, with their weight; the first reviews of the walk find one of each.
FINDINGS = [("same", 40), ("job_ended", 15), ("support", 20), ("business", 10), ("steady_work", 15)]
FIRST = ["steady_work", "support", "business", "job_ended"]
DIBAO = ("dibao_rural", "dibao_urban")


def reviews_month(walk: Walk, month: date) -> None:
    if month < next_month(walk.start):
        return  # nobody is enrolled yet in the walk's first month
    day = open_day(month + timedelta(days=walk.rng.randrange(3, 9)))
    walk.later(_reviews_life(walk, day))


def _reviews_life(walk: Walk, day: date) -> Life:
    yield day
    due = (
        Enrolment.objects.filter(
            county_code=COUNTY,
            assistance_type__in=DIBAO,
            status=EnrolmentStatus.ACTIVE,
            start_month__lt=clock.today(),
            township_code__in=TOWNSHIPS,
        )
        .select_related("household")
        .order_by("next_review_on", "pk")
    )
    for enrolment in list(due[: max(2, walk.households // 100)]):
        done = walk.counts["reviews"]
        finding = FIRST[done] if done < len(FIRST) else pick(walk, FINDINGS)
        _review(walk, enrolment, finding)


def _review(walk: Walk, enrolment: Enrolment, finding: str) -> None:
    worker = _u(TOWNSHIPS[enrolment.township_code]["worker"])
    household = enrolment.household
    text = _find(walk, enrolment, finding)
    proposal = proposals.review_proposal(enrolment)
    if proposal is not None:
        outcome, gradual, text = proposal.outcome, proposal.gradual_exit, f"{text}。{proposal.text}"
    else:
        effective = next_month(clock.today())
        new = calculators.dibao_for_household(
            household,
            assistance_type=enrolment.assistance_type,
            county_code=enrolment.county_code,
            month=effective,
            single=single_cover.member_of(enrolment.case_id),
        ).amount
        current = amount_for(enrolment, effective)
        outcome = (
            ReviewOutcome.INCREASE
            if new > current
            else ReviewOutcome.DECREASE
            if new < current
            else ReviewOutcome.KEEP
        )
        gradual = False
    review = periodic_review(
        by=worker,
        enrolment=enrolment,
        data=ReviewInput(done_on=clock.today(), outcome=outcome, findings=text, gradual_exit=gradual),
    )
    walk.counts["reviews"] += 1
    walk.counts[f"review:{'gradual_exit' if gradual else outcome}"] += 1
    change = review.change
    if change is not None and change.needs_notice:
        issue_adjustment_notice(by=worker, change=change)
        walk.counts["adjustment_notices"] += 1


def _find(walk: Walk, enrolment: Enrolment, finding: str) -> str:
    """Enter in the register what the review found; return its description."""
    household = enrolment.household
    worker = _u(TOWNSHIPS[enrolment.township_code]["worker"])
    if finding == "job_ended":
        odd_jobs = household.incomes.filter(category=IncomeCategory.WAGE, excluded=False).first()
        if odd_jobs is None:
            return "入户核查，家庭人口、收入和财产状况无变化"
        income_remove(by=worker, item=odd_jobs)
        return f"入户核查，{odd_jobs.description}已无，家庭收入减少"
    if finding == "support":
        amount = max(50, int(enrolment.amount) // 3)
        income_add(
            by=worker,
            household=household,
            category=IncomeCategory.TRANSFER,
            description="子女给付赡养费",
            monthly_amount=f"{amount}.00",
        )
        return f"入户核查，子女开始按月给付赡养费 {amount} 元"
    if finding == "business":
        income_add(
            by=worker,
            household=household,
            category=IncomeCategory.BUSINESS,
            description="经营小卖部",
            monthly_amount=f"{walk.rng.randrange(2500, 4000)}.00",
        )
        return "入户核查，家庭开办小卖部，经营收入稳定"
    if finding == "steady_work":
        worker_member = household.members.filter(is_active=True).order_by("pk").first()
        income_add(
            by=worker,
            household=household,
            category=IncomeCategory.WAGE,
            description="在本地企业稳定就业",
            monthly_amount=f"{walk.rng.randrange(3000, 4200)}.00",
            member=worker_member,
            started_on=clock.today() - timedelta(days=walk.rng.randrange(120, 200)),
        )
        return "入户核查，家庭成员已在本地企业稳定就业半年，工资收入较高"
    return "入户核查，家庭人口、收入和财产状况无变化"
