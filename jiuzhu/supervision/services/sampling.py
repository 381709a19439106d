"""Sampling (S1, S2): draw each township's share of a population with a recorded seed.

The population is a list of (case, household, township, area) in a deterministic order; the draw is
`random.Random(seed)` over it, township by township in code order, so the same seed and population
always give the same sample (`reproduce`). The population is stored with the sample, and `verify`
re-reads it from the database to show whether the records have changed since.

Populations are a registry: `new_approvals` (S1) and `recipients` (S2, the enrolments on the rolls).
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from jiuzhu.benefits.models import Enrolment
from jiuzhu.benefits.selectors import on_rolls_q
from jiuzhu.cases.models_steps import Decision, Outcome
from jiuzhu.core import audit, clock, params
from jiuzhu.core.dates import month_start, next_month
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.jurisdiction_codes import county_code as county_of
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision.models import Sample, SampleItem, SampleKind


@dataclass(frozen=True)
class Unit:
    """One member of a population."""

    case_id: int | None
    household_id: int
    township_code: str
    area_code: str

    def as_list(self) -> list:
        return [self.case_id, self.household_id, self.township_code, self.area_code]


PopulationFn = Callable[[str, date, date], list[Unit]]
POPULATIONS: dict[str, tuple[str, PopulationFn]] = {}


def register_population(code: str, label: str, fn: PopulationFn) -> None:
    POPULATIONS[code] = (label, fn)


def _units(qs) -> list[Unit]:
    return [
        Unit(case_id, household_id, township, area)
        for case_id, household_id, township, area in qs.values_list(
            "case_id", "case__household_id", "case__township_code", "case__area_code"
        )
    ]


def new_approvals(county_code: str, start: date, end: date) -> list[Unit]:
    """S1: cases approved in the period (the decision date), in township and case-number order."""
    qs = Decision.objects.filter(
        outcome=Outcome.APPROVE, decided_on__gte=start, decided_on__lte=end, case__county_code=county_code
    ).order_by("case__township_code", "case__number")
    return _units(qs)


def recipients(county_code: str, start: date, end: date) -> list[Unit]:
    """S2: households on the rolls (live 低保 and 特困 enrolments) at the end of the period, one per
    household, in township and household order."""

    qs = (
        Enrolment.objects.filter(on_rolls_q(month_start(end)), county_code=county_code, start_month__lte=end)
        .order_by("township_code", "household_id", "-start_month", "-id")
        .values_list("case_id", "household_id", "township_code", "area_code")
    )
    seen: set[int] = set()
    out = []
    for case_id, household_id, township, area in qs:
        if household_id in seen:
            continue
        seen.add(household_id)
        out.append(Unit(case_id, household_id, township, area))
    return out


register_population("new_approvals", "当期新审核确认对象", new_approvals)
register_population("recipients", "在保对象（低保、特困）", recipients)

KIND_SOURCE: dict[str, str] = {SampleKind.MONTHLY: "new_approvals", SampleKind.YEARLY_HOME: "recipients"}
KIND_PARAMS: dict[str, tuple[str, str]] = {
    SampleKind.MONTHLY: ("supervision.sample_percent", "supervision.sample_minimum"),
    SampleKind.YEARLY_HOME: ("supervision.home_check_percent", "supervision.home_check_minimum"),
}


def period_of(kind: str, day: date) -> tuple[date, date]:
    if kind == SampleKind.MONTHLY:
        start = month_start(day)
        return start, date.fromordinal(next_month(start).toordinal() - 1)
    return date(day.year, 1, 1), date(day.year, 12, 31)


def quota(n: int, percent: Decimal, minimum: int) -> int:
    """How many of a township's n to draw: the percentage rounded up, at least the minimum, at most n."""
    return min(n, max(minimum, math.ceil(n * percent / 100)))


def draw(population: list[Unit], *, seed: str, percent: Decimal, minimum: int) -> list[tuple[int, Unit]]:
    """The selection as (position in the population, unit): deterministic for a seed and a population."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    by_township: dict[str, list[tuple[int, Unit]]] = {}
    for i, unit in enumerate(population):
        by_township.setdefault(unit.township_code, []).append((i, unit))
    chosen: list[tuple[int, Unit]] = []
    for township in sorted(by_township):
        units = by_township[township]
        chosen += sorted(rng.sample(units, quota(len(units), percent, minimum)), key=lambda e: e[0])
    return chosen


def sample_draw(
    *, by: User, kind: str, county_code: str, on: date | None = None, seed: str | None = None
) -> Sample:
    """S1/S2: draw the period's sample of a county. One sample per county, kind and period; the seed is
    recorded (a fresh random one unless given), with the population it was drawn from."""
    membership = authz.require(by, Perm.SUPERVISE, county_code)
    if county_of(county_code) != county_code:
        raise ValidationFailed("抽查以县（区）为单位，请选择县（区）")
    if kind not in KIND_SOURCE:
        raise ValidationFailed("抽查类别无效", field_errors={"kind": "无效"})
    on = on or clock.today()
    if on > clock.today():
        raise ValidationFailed("不能对将来的期间抽查", field_errors={"on": "不能晚于今天"})
    start, end = period_of(kind, on)
    percent_key, minimum_key = KIND_PARAMS[kind]
    percent = params.get(percent_key, area_code=county_code, on=start)
    minimum = params.get(minimum_key, area_code=county_code, on=start)
    source = KIND_SOURCE[kind]
    population = POPULATIONS[source][1](county_code, start, end)
    if not population:
        raise ValidationFailed(f"{start:%Y年%m月}没有可抽查的对象")
    seed = seed or secrets.token_hex(8)
    chosen = draw(population, seed=seed, percent=percent, minimum=minimum)
    try:
        with transaction.atomic():
            sample = Sample.objects.create(
                kind=kind,
                county_code=county_code,
                period_start=start,
                period_end=end,
                source=source,
                seed=seed,
                percent=percent,
                minimum=minimum,
                population=[u.as_list() for u in population],
                population_count=len(population),
                drawn_count=len(chosen),
                drawn_by=by,
                drawn_at=clock.now(),
            )
            SampleItem.objects.bulk_create(
                [
                    SampleItem(
                        sample=sample,
                        case_id=unit.case_id,
                        household_id=unit.household_id,
                        township_code=unit.township_code,
                        area_code=unit.area_code,
                        position=position,
                    )
                    for position, unit in chosen
                ]
            )
            audit.record(
                actor=by,
                membership=membership,
                action="sample.draw",
                obj=sample,
                after={
                    "kind": kind,
                    "period": f"{start}–{end}",
                    "seed": seed,
                    "percent": percent,
                    "minimum": minimum,
                    "population": len(population),
                    "drawn": len(chosen),
                },
            )
    except IntegrityError:
        raise ValidationFailed(f"{start:%Y年%m月}的{SampleKind(kind).label}已经抽取，不能重复抽取") from None
    return sample


def stored_population(sample: Sample) -> list[Unit]:
    return [Unit(*row) for row in sample.population]


def reproduce(sample: Sample) -> list[tuple[int, Unit]]:
    """Draw again from the recorded seed and population."""
    return draw(stored_population(sample), seed=sample.seed, percent=sample.percent, minimum=sample.minimum)


@dataclass(frozen=True)
class Verification:
    reproduced: bool  # the recorded seed and population give exactly the stored items
    population_unchanged: bool  # the population read from the database today is the recorded one
    added: int
    removed: int


def verify(sample: Sample) -> Verification:
    stored = sorted((i.position, i.case_id) for i in sample.items.all())
    again = sorted((p, u.case_id) for p, u in reproduce(sample))
    current = POPULATIONS[sample.source][1](sample.county_code, sample.period_start, sample.period_end)
    recorded = {tuple(u.as_list()) for u in stored_population(sample)}
    now = {tuple(u.as_list()) for u in current}
    return Verification(
        reproduced=stored == again,
        population_unchanged=recorded == now,
        added=len(now - recorded),
        removed=len(recorded - now),
    )
