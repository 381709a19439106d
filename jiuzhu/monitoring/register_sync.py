"""Keeping the low-income population register (低收入人口) in step with what puts people on it.

Who is in which category is worked out per household from its live 低保 and 特困 enrolments and its latest
approved 低收入 recognition, and written as rows of `RegisterEntry` (delete and insert, a handful of rows):
at each approval (cases' `on_approved`), each enrolment event benefits reports, each 迁移, and for the whole
county with `rebuild` (management command `register_rebuild`, and the migration that made the table).

A person is in one category only, the first that applies: 特困人员, 低保对象, then the 低收入 recognition's
category (低保边缘 / 刚性支出困难 / 其他). A recognition is valid for the 低收入 review interval
(`review.interval_months.low_income`) from its decision and lapses unless renewed (a new recognition)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from jiuzhu.benefits.models import Enrolment
from jiuzhu.benefits.selectors import live_q
from jiuzhu.cases.models import Case, Channel
from jiuzhu.cases.models_steps import Decision, Outcome
from jiuzhu.core import clock, params
from jiuzhu.core.dates import add_months
from jiuzhu.core.types import AssistanceType, LowIncomeCategory
from jiuzhu.monitoring.models import Origin, RegisterCategory, RegisterEntry
from jiuzhu.registry.models import Household, Member


@dataclass(frozen=True)
class CaseOrigin:
    """Where an application came from, when another part knows better than the case's channel: e.g. the
    watch part says "this case came from warning X"."""

    origin: str  # an `Origin` value
    label: str  # Chinese, e.g. "比对预警 #12（死亡）"
    url: str = ""


# (case ids) -> {case id: CaseOrigin}; asked for a batch so that a rebuild costs one query per resolver.
CaseOriginResolver = Callable[[list[int]], dict[int, CaseOrigin]]
origin_resolvers: list[CaseOriginResolver] = []


def register_origin_resolver(fn: CaseOriginResolver) -> None:
    """The extension point the 比对 monitoring part uses to name the warning a case came from."""
    if fn not in origin_resolvers:
        origin_resolvers.append(fn)


_LOW_INCOME_CATEGORY: dict[str, str] = {
    LowIncomeCategory.EDGE: RegisterCategory.EDGE,
    LowIncomeCategory.RIGID_EXPENSE: RegisterCategory.RIGID_EXPENSE,
    LowIncomeCategory.OTHER: RegisterCategory.OTHER,
}
_RANK: list[str] = [
    RegisterCategory.TEKUN,
    RegisterCategory.DIBAO,
    RegisterCategory.EDGE,
    RegisterCategory.RIGID_EXPENSE,
    RegisterCategory.OTHER,
]


def origins_for(cases: Iterable[Case]) -> dict[int, CaseOrigin]:
    """The origin of each case: a registered resolver's answer first, then the case's own channel."""
    cases = list(cases)
    out: dict[int, CaseOrigin] = {}
    for case in cases:
        if case.discovery_id or case.channel == Channel.DISCOVERY:
            label = f"主动发现报告 #{case.discovery_id}" if case.discovery_id else "主动发现转申请"
            out[case.pk] = CaseOrigin(Origin.DISCOVERY, label)
        else:
            out[case.pk] = CaseOrigin(Origin.APPLICATION, case.get_channel_display())
    for resolver in origin_resolvers:
        out.update(resolver([c.pk for c in cases]))
    return out


def _latest_recognition(household: Household, fresh: Decision | None) -> Decision | None:
    """The household's latest approved 低收入 recognition with a category. `fresh` is the decision being
    approved now (its case is saved as approved only at the end of the approving transaction)."""
    found = (
        Decision.objects.filter(
            case__household=household,
            case__assistance_type=AssistanceType.LOW_INCOME,
            outcome=Outcome.APPROVE,
        )
        .exclude(low_income_category="")
        .select_related("case")
        .order_by("-decided_on", "-id")
        .first()
    )
    if (
        fresh is not None
        and fresh.case.assistance_type == AssistanceType.LOW_INCOME
        and fresh.outcome == Outcome.APPROVE
        and fresh.low_income_category
        and (found is None or (fresh.decided_on, fresh.pk) >= (found.decided_on, found.pk))
    ):
        return fresh
    return found


def _wanted(household: Household, today: date, fresh: Decision | None = None) -> list[RegisterEntry]:
    """The rows the household should have now (unsaved)."""
    members = {m.pk: m for m in Member.objects.filter(household=household, is_active=True)}
    if not members:
        return []
    chosen: dict[int, tuple[str, Case, Enrolment | None, date, date | None]] = {}

    def offer(
        member_id: int,
        category: str,
        case: Case,
        enrolment: Enrolment | None,
        since: date,
        valid_until: date | None,
    ) -> None:
        if member_id not in members:
            return
        held = chosen.get(member_id)
        if held is None or _RANK.index(category) < _RANK.index(held[0]):
            chosen[member_id] = (category, case, enrolment, since, valid_until)

    enrolments = Enrolment.objects.filter(live_q(), household=household).select_related("case")
    for e in enrolments:
        category = (
            RegisterCategory.TEKUN if e.assistance_type == AssistanceType.TEKUN else RegisterCategory.DIBAO
        )
        ids = e.covered_member_ids or [m.pk for m in members.values() if m.covered]
        for member_id in ids:
            offer(int(member_id), category, e.case, e, e.start_month, None)
    recognition = _latest_recognition(household, fresh)
    if recognition is not None:
        months = params.get(
            "review.interval_months.low_income", area_code=recognition.case.county_code, on=today
        )
        valid_until = add_months(recognition.decided_on, months)
        if valid_until >= today:
            low = _LOW_INCOME_CATEGORY[recognition.low_income_category]
            for member_id in members:
                offer(member_id, low, recognition.case, None, recognition.decided_on, valid_until)
    origins = origins_for({c[1].pk: c[1] for c in chosen.values()}.values())
    now = clock.now()
    rows = []
    for member_id, (held_category, case, enrolment, since, until) in chosen.items():
        origin = origins[case.pk]
        rows.append(
            RegisterEntry(
                member_id=member_id,
                household_id=household.pk,
                category=held_category,
                area_code=household.area_code,
                township_code=case.township_code,
                county_code=case.county_code,
                case=case,
                enrolment=enrolment,
                since=since,
                valid_until=until,
                origin=origin.origin,
                origin_label=origin.label[:120],
                origin_url=origin.url[:200],
                created_at=now,
            )
        )
    return rows


def refresh_household(household: Household | int, *, fresh: Decision | None = None) -> int:
    """Write the household's register rows anew; returns how many it has. Runs in the caller's transaction
    (an approval, an enrolment change), or its own."""
    if not isinstance(household, Household):
        household = Household.objects.get(pk=household)
    with transaction.atomic():
        rows = _wanted(household, clock.today(), fresh)
        RegisterEntry.objects.filter(household_id=household.pk).delete()
        RegisterEntry.objects.bulk_create(rows)
    return len(rows)


def rebuild(*, area_prefix: str = "", chunk: int = 2000) -> int:
    """Every household with an enrolment or a 低收入 recognition in the area, household by household in
    short transactions (for the first filling and after data loaded outside the services)."""
    ids = set(
        Enrolment.objects.filter(area_code__startswith=area_prefix).values_list("household_id", flat=True)
    ) | set(
        Case.objects.filter(
            area_code__startswith=area_prefix, assistance_type=AssistanceType.LOW_INCOME
        ).values_list("household_id", flat=True)
    )
    stale = set(
        RegisterEntry.objects.filter(area_code__startswith=area_prefix).values_list("household_id", flat=True)
    )
    total = 0
    ordered = sorted(ids | stale)
    for start in range(0, len(ordered), chunk):
        for household in Household.objects.filter(pk__in=ordered[start : start + chunk]):
            total += refresh_household(household)
    return total


# --- hooks ----------------------------------------------------------------------------------------------


def on_approved(decision: Decision, by) -> None:
    """cases' `on_approved`: after benefits has enrolled the case, in the same transaction."""
    refresh_household(decision.case.household, fresh=decision)


def on_enrolment_event(event: str, enrolment: Enrolment, by, details: dict) -> None:
    refresh_household(enrolment.household_id)


def on_members_moved(*, by, households: list[Household], reason: str) -> None:
    for household in households:
        refresh_household(household)
