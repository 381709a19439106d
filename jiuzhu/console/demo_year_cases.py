"""Casework of the demo year besides the ordinary applications (demo_year_steps): emergency aid paid first and
registered after (急难型临时救助, P8), one of them registered past its deadline so that the supervision scan
flags it, and applicants who are close relatives of staff, on the register before they apply and filed
(近亲属备案, DM2) before their decision."""

from __future__ import annotations

from datetime import date, timedelta

from jiuzhu.cases.demo import _complete, _u
from jiuzhu.cases.models import Channel
from jiuzhu.cases.services import intake, steps
from jiuzhu.console.demo_year import Life, Walk
from jiuzhu.console.demo_year_people import id_number_of
from jiuzhu.console.demo_year_steps import SCAN_DAY, application_life, plan_families, register_family
from jiuzhu.core import clock
from jiuzhu.core.dates import next_month
from jiuzhu.orgs.models import Jurisdiction
from jiuzhu.registry.models import RelativeRole
from jiuzhu.registry.services.relatives import RelativeInput, relative_add

EMERGENCY_REASONS = [
    ("房屋失火，衣物和口粮被烧毁，生活无着", "火灾受灾户，先行发放临时救助金"),
    ("家庭主要劳动力突发车祸住院，无力支付押金", "突发意外，先行救助解燃眉之急"),
    ("突发重病入院，家中无人照料、无生活来源", "突发重病，先行救助"),
]
# The month of the walk (counted from its first) whose first emergency case is registered late.
LATE_MONTH = 1


def casework_month(walk: Walk, month: date) -> None:
    """Emergency aid (a few a month in a county of the default size); every third month a close relative of
    staff applies."""
    index = (month.year - walk.start.year) * 12 + month.month - walk.start.month
    # Every third month at least, a few a month in a large county.
    emergencies = max(walk.households // 500, 1 if index % 3 == LATE_MONTH else 0)
    plan_families(walk, emergencies + (1 if index % 3 == 0 else 0))
    for n in range(emergencies):
        late = index == LATE_MONTH and n == 0
        day = month + timedelta(days=1 if late else walk.rng.randrange(0, 26))
        walk.later(_emergency_life(walk, day, late=late))
    if index % 3 == 0:
        walk.later(_relative_life(walk, month + timedelta(days=walk.rng.randrange(0, 20))))


def _emergency_life(walk: Walk, day: date, *, late: bool) -> Life:
    """P8: the family comes in the evening or at night; the approver pays within the hours allowed; the
    caseworker registers it within the working days allowed (the late one a week after its deadline)."""
    yield day
    household, team = register_family(walk)
    reason, note = walk.rng.choice(EMERGENCY_REASONS)
    amount = f"{walk.rng.choice([800, 1000, 1500, 2000])}.00"
    case = intake.case_create(
        by=_u(team["worker"]),
        household=household,
        channel=Channel.COUNTER,
        data=intake.CaseInput(
            "linshi_emergency",
            household.members.get(relation="head"),
            clock.today(),
            reason,
            requested_amount=amount,
        ),
    )
    walk.counts["applied:linshi_emergency"] += 1
    _complete(case, team["worker"])
    paid_at = clock.now()
    aid = steps.emergency_aid(
        by=_u(team["approver"]),
        case=case,
        requested_at=paid_at - timedelta(hours=walk.rng.randint(1, 10)),
        paid_at=paid_at,
        amount=amount,
    )
    walk.counts["emergency_aid"] += 1
    yield _after_next_scan(aid.register_due_on) if late else walk.after(1, 3)
    steps.emergency_register(
        by=_u(team["worker"]),
        case=case,
        registered_on=clock.today(),
        recipient_note=f"{household.head_name}，{note}，救助 {amount} 元",
        signatures_completed=True,
    )
    walk.counts["emergency_registered_late" if late else "emergency_registered"] += 1


def _after_next_scan(due: date) -> date:
    """A few days after the first monthly scan (the 12th, demo_year_steps.supervision_month) that finds the
    registration overdue."""
    scan = due.replace(day=SCAN_DAY) if due.day < SCAN_DAY else next_month(due).replace(day=SCAN_DAY)
    return scan + timedelta(days=3)


def _relative_life(walk: Walk, day: date) -> Life:
    """DM2: the township keeps its staff's close relatives on the register; when one of them applies the
    intake check flags the case, and it is filed before the decision (demo_year_steps)."""
    yield day
    household, team = register_family(walk)
    head = household.members.get(relation="head")
    relative_add(
        by=_u(team["worker"]),
        area_code=household.area_code[:9] + "000",
        data=RelativeInput(
            official_name=walk.rng.choice(["王建", "李秀梅", "张国富", "刘芳"]),
            official_role=walk.rng.choice(RelativeRole.values),
            official_unit=Jurisdiction.objects.get(code=household.area_code).name + "委员会",
            relative_name=head.name,
            relative_id=id_number_of(head),
            relation=walk.rng.choice(["兄弟姐妹", "父母", "子女"]),
            registered_on=clock.today(),
        ),
    )
    walk.counts["near_relatives_registered"] += 1
    kind = "dibao_rural" if household.area_code[9:10] == "2" else "dibao_urban"
    yield from application_life(walk, household, kind, {**team, "fate": "approved"})
