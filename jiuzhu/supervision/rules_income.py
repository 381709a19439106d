"""Confirming the two income warnings with the product's own income rules (B1, S4, N2).

The rules' queries sum the registered income, which is never less than the income the calculators count
(new-job wages within their first months, 就业成本, rigid spending and 单人保 only take away). So what the
queries find is a superset: a household the county's rules would not count above the standard, or whose
approved amount is the counted differential, is dropped here. Only candidates whose counted income can
differ from the registered sum are recalculated, so a province's scan stays set-based for the rest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from jiuzhu.benefits import calculators
from jiuzhu.benefits.models import SingleCover
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import Decision, Outcome
from jiuzhu.core import params
from jiuzhu.core.dates import month_start
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.registry.models import IncomeCategory, IncomeItem, RigidExpense

Candidates = list[tuple[str, int | None]]  # (subject_key, case_id) as the rule's query found them


def _may_differ(case_ids: set[int], counties: dict[int, str], month: date) -> tuple[set[int], dict[int, Any]]:
    """Cases whose counted income can differ from the registered sum: a 单人保, a wage with a start date (the
    new-job months), rigid spending on record, or a county that deducts 就业成本. Also the 单人保 members, so
    that the recalculation asks for none of them again."""
    cases = Case.objects.filter(pk__in=case_ids)
    households = dict(cases.values_list("pk", "household_id"))
    single = {
        cover.case_id: cover.member
        for cover in SingleCover.objects.filter(case_id__in=case_ids).select_related("member")
    }
    ids = set(households.values())
    dated_wages = set(
        IncomeItem.objects.filter(
            household_id__in=ids, category=IncomeCategory.WAGE, excluded=False, started_on__isnull=False
        ).values_list("household_id", flat=True)
    )
    spending = set(RigidExpense.objects.filter(household_id__in=ids).values_list("household_id", flat=True))
    job_cost: dict[str, bool] = {}
    found = set()
    for case_id, household_id in households.items():
        county = counties[case_id]
        if county not in job_cost:
            try:
                job_cost[county] = params.get("income.job_cost.mode", area_code=county, on=month) != "off"
            except params.MissingParameter:
                job_cost[county] = False
        if case_id in single or household_id in dated_wages or household_id in spending or job_cost[county]:
            found.add(case_id)
    return found, single


def _latest_decisions(case_ids: set[int]) -> dict[int, Decision]:
    latest: dict[int, Decision] = {}
    decisions = (
        Decision.objects.filter(case_id__in=case_ids, outcome=Outcome.APPROVE)
        .select_related("case__household")
        .order_by("decided_on", "id")
    )
    for decision in decisions:
        latest[decision.case_id] = decision  # the last one wins, as in the query
    return latest


def _confirm(
    rows: Candidates,
    today: date,
    month_of: Callable[[Decision], date],
    keep: Callable[[Decision, calculators.Result], bool],
) -> set[str]:
    """Keep every row whose counted income cannot differ from the registered sum; recalculate the others
    with the calculator for `month_of(decision)` and keep those `keep` confirms (or that cannot be counted:
    the registered sum stands)."""
    keys = {case_id: key for key, case_id in rows if case_id is not None}
    counties = dict(Case.objects.filter(pk__in=keys).values_list("pk", "county_code"))
    check, single = _may_differ(set(keys), counties, month_start(today))
    kept = {key for key, case_id in rows if case_id not in check}
    for case_id, decision in _latest_decisions(check).items():
        case = decision.case
        try:
            result = calculators.dibao_for_household(
                case.household,
                assistance_type=case.assistance_type,
                county_code=case.county_code,
                month=month_of(decision),
                covered=decision.covered_members or None,
                single=single.get(case_id),
            )
        except (params.MissingParameter, ValidationFailed):
            kept.add(keys[case_id])
            continue
        if keep(decision, result):
            kept.add(keys[case_id])
    return kept


def confirm_above_standard(rows: Candidates, today: date) -> set[str]:
    """B1, DM1: keep a household whose income, counted by its county's rules this month, is not below the
    standard per covered member."""

    def at_or_above(_decision: Decision, result: calculators.Result) -> bool:
        covered = int(result.inputs["covered"])
        counted = Decimal(str(result.inputs["income"]))
        return bool(covered) and round(counted / covered, 2) >= Decimal(str(result.inputs["standard"]))

    return _confirm(rows, today, lambda _decision: month_start(today), at_or_above)


def confirm_not_differential(rows: Candidates, today: date) -> set[str]:
    """B1: keep an approval whose amount is not the differential the calculator gives for its first payment
    month with the county's rules."""

    def off(decision: Decision, result: calculators.Result) -> bool:
        return decision.amount is None or abs(decision.amount - result.amount) > Decimal("0.015")

    return _confirm(rows, today, lambda d: d.start_month or month_start(d.decided_on), off)
