"""The demo year (`load_demo --year`): a county with a year of history, written through the product's own
services while a demo clock walks day by day from fourteen months back to today.

Everything happens on its own day: the clock is frozen at that day before each step, so a step is never a
补录 (backfill) — it is entered on the day it carries — and the audit chain, timelines, deadlines, ledgers and
reconciliations are what the product itself made of them.

How the walk is built: a *life* is a generator that yields the next day it wants to act on and acts when it is
resumed with the clock at that day (a case from application to its first bank account, a payroll month from
ledger to reconciliation). The walk keeps every life in one queue ordered by day and runs them in that order.
Each month, every step of MONTHLY_STEPS (dotted names, resolved when the walk runs) is called to start the
lives of that month; another part adds its monthly work (for example the monitoring comparisons and warnings)
by adding one name to that list. Lives still waiting when the walk reaches today stay where they are: the
county ends with cases in every state, as a real one does.

Resuming (`load_demo --catch-up`, after the shipped demo database was installed days or months after it was
built): the walk records how far it went (STATE_FILE in the var directory). A resumed walk starts the lives of
every month that began after that day, and those of the remaining days of the month it stopped in, and runs them to
today; RESUME_STEPS queue, from the database, the rest of the work the earlier walk left in flight (a payroll month
between ledger and reconciliation). Lives that were merely waiting (a case under way) stay where they were, like
the ones still waiting at the end of any walk.

This module sits in the console app, above every business app, because the walk drives all of them.
"""

from __future__ import annotations

import heapq
import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from importlib import import_module
from pathlib import Path

from django.conf import settings

from jiuzhu.core import clock, idnumber
from jiuzhu.core.dates import add_months, month_start, next_month
from jiuzhu.registry.identity import id_indexes_of
from jiuzhu.registry.models import Member

# Called on the first day of each month of the walk with (walk, month); each starts that month's lives.
MONTHLY_STEPS: list[str] = [
    "jiuzhu.console.demo_year_steps.payroll_month",
    "jiuzhu.console.demo_year_cases.casework_month",  # before the applications: it plans its families first
    "jiuzhu.console.demo_year_steps.applications_month",
    "jiuzhu.console.demo_year_steps.supervision_month",
    "jiuzhu.console.demo_year_steps.liaocheng_month",
    "jiuzhu.console.demo_year_steps.qijiang_month",
    "jiuzhu.console.demo_year_reviews.reviews_month",
    "jiuzhu.console.demo_year_oversight.oversight_month",
    "jiuzhu.console.demo_year_monitoring.monitoring_month",
]
# Called once with the walk before it starts, to queue lives dated before the walk's months (years back).
EARLIER_LIVES: list[str] = ["jiuzhu.console.demo_year_steps.baseline"]
# Loaded before the walk: places and staff the walk needs besides the shared demo world.
BEFORE_WALK: list[str] = ["jiuzhu.orgs.demo_liaocheng.load", "jiuzhu.console.demo_year_people.load_staff"]
# Run once at the end, on today: the showcase parts that describe the present (where paper files are kept,
# the printed notice board).
AFTER_WALK: list[str] = ["jiuzhu.archive.demo.load"]
# Called once with (walk, walked_until) when a walk resumes: queue the rest of what the earlier walk left in
# flight, found in the database.
RESUME_STEPS: list[str] = ["jiuzhu.console.demo_year_steps.payroll_in_flight"]
# How far the walk went, in the var directory next to the database (the fixture ships one too).
STATE_FILE = "demo-walk.json"

# The county and its townships with staff (orgs.demo, and demo_year_people.STAFF for the other streets);
# households live in their villages.
COUNTY = "230502000000"
TOWNSHIPS = {
    "230502200000": {"worker": "ab_caseworker", "approver": "ab_approver", "verifier": "ab_verifier"},
    "230502004000": {"worker": "emr_caseworker", "approver": "emr_approver", "verifier": "js_verifier"},
    **{
        f"230502{code}000": {
            "worker": f"{short}_caseworker",
            "approver": f"{short}_approver",
            "verifier": "js_verifier",
        }
        for code, short in (
            ("001", "zxz"),
            ("002", "fa"),
            ("005", "bml"),
            ("006", "ca"),
            ("007", "tx"),
            ("008", "xf"),
        )
    },
}
VILLAGES = {
    "230502200000": ["230502200201", "230502200202", "230502200203", "230502200204"],
    "230502004000": ["230502004001", "230502004002", "230502004003"],
    "230502001000": ["230502001001", "230502001002", "230502001003"],
    "230502002000": ["230502002001", "230502002002"],
    "230502005000": ["230502005001", "230502005002"],
    "230502006000": ["230502006001", "230502006002"],
    "230502007000": ["230502007001", "230502007002"],
    "230502008000": ["230502008001", "230502008002"],
}
DEFAULT_HOUSEHOLDS = 2000
DEFAULT_SEED = 2026
FIRST_HOUR = time(8, 30)

Life = Iterator[date]


@dataclass
class Walk:
    """The state of one walk: the queue of lives, the households made so far, and what happened (counts)."""

    households: int
    start: date
    end: date
    rng: random.Random
    queue: list[tuple[date, int, int, Life]] = field(default_factory=list)
    made: list = field(default_factory=list)  # registry.Household, in the order they were registered
    counts: Counter = field(default_factory=Counter)
    ids: set[str] = field(default_factory=set)
    resumed: bool = False  # ID numbers of the earlier walk are in the database, not in `ids`
    not_before: date | None = None  # resuming: lives that would start before this day were the earlier walk's
    _seq: int = 0
    _tick: int = 0

    def later(self, life: Life, *, first: bool = False) -> None:
        """Queue a life at the day it first yields (`first`: before the other lives of that day)."""
        try:
            day = next(life)
        except StopIteration:
            return
        if self.not_before is not None and day < self.not_before:
            return
        self._push(day, life, 0 if first else 1)

    def _push(self, day: date, life: Life, priority: int) -> None:
        self._seq += 1
        heapq.heappush(self.queue, (day, priority, self._seq, life))

    def set_clock(self, day: date) -> None:
        """Morning of `day`, a few seconds later for each step of the day (the audit trail keeps their order)."""
        self._tick = self._tick + 7 if clock.is_frozen() and clock.today() == day else 0
        clock.freeze(clock.local_datetime(day, FIRST_HOUR) + timedelta(seconds=self._tick))

    def after(self, least: int, most: int) -> date:
        """A day `least` to `most` days after today (the clock's)."""
        return clock.today() + timedelta(days=self.rng.randint(least, most))

    def person_id(self, area: str, born: date, female: bool) -> str:
        """A fictitious ID number with a valid check digit, never the same twice in the demo."""
        for _ in range(1000):
            order = self.rng.randrange(0, 500) * 2 + (0 if female else 1)
            number = idnumber.make(f"{area[:6]}{born:%Y%m%d}{order:03d}")
            if number not in self.ids and not (self.resumed and _registered(number)):
                self.ids.add(number)
                return number
        raise RuntimeError("no free ID number left for this birth date")


def default_start(today: date) -> date:
    """Fourteen months back: the first approvals are paid from the thirteenth month back, so that the last
    twelve months before this one have complete payrolls (ledger, bank file, reconciliation)."""
    return add_months(month_start(today), -14)


def run(*, households: int = DEFAULT_HOUSEHOLDS, seed: int = DEFAULT_SEED, until: date | None = None) -> Walk:
    """Walk the clock from fourteen months back to `until` (today), running every life on its day. The clock is
    left where it was found."""
    end = until or clock.today()
    walk = Walk(households=households, start=default_start(end), end=end, rng=random.Random(seed))  # noqa: S311 - fictitious demo data, no secret
    return _walk(walk, first_month=walk.start, resumed_after=None)


def resume(*, until: date | None = None) -> Walk | None:
    """Continue the walk recorded in STATE_FILE from the day after it stopped to `until` (today). None when
    there is no record (not a demo year) or the walk is already there."""
    state = read_state()
    end = until or clock.today()
    if state is None or state["walked_until"] >= end:
        return None
    since = state["walked_until"]
    walk = Walk(
        households=state["households"],
        start=state["start"],
        end=end,
        rng=random.Random(f"{state['seed']}:{since}"),  # noqa: S311 - fictitious demo data, no secret
        resumed=True,
    )
    return _walk(walk, first_month=next_month(since), resumed_after=since)


def read_state() -> dict | None:
    path = Path(settings.VAR_DIR) / STATE_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {
            "households": int(raw["households"]),
            "seed": int(raw["seed"]),
            "start": date.fromisoformat(raw["start"]),
            "walked_until": date.fromisoformat(raw["walked_until"]),
        }
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"{path}: unreadable record of the demo walk ({exc})") from None


def write_state(walk: Walk, *, seed: int) -> None:
    state = {
        "households": walk.households,
        "seed": seed,
        "start": walk.start.isoformat(),
        "walked_until": walk.end.isoformat(),
    }
    (Path(settings.VAR_DIR) / STATE_FILE).write_text(json.dumps(state) + "\n", encoding="utf-8")


def _walk(walk: Walk, *, first_month: date, resumed_after: date | None) -> Walk:
    was_frozen = clock.now() if clock.is_frozen() else None
    end = walk.end
    steps: list[Callable[[Walk, date], None]] = [_resolve(name) for name in MONTHLY_STEPS]
    month = first_month
    try:
        if resumed_after is None:
            for name in BEFORE_WALK:
                _call(name)
            for name in EARLIER_LIVES:
                _resolve_early(name)(walk)
        else:
            for name in RESUME_STEPS:
                _resolve_resume(name)(walk, resumed_after)
            # The month the earlier walk stopped in: its steps again, keeping only the lives of its remaining
            # days (families still to come this month; the ledger of the 1st was the earlier walk's).
            walk.not_before = resumed_after + timedelta(days=1)
            walk._push(walk.not_before, _month_life(walk, month_start(resumed_after), steps), 0)
        while month <= end:
            walk._push(month, _month_life(walk, month, steps), 0)
            month = next_month(month)
        while walk.queue and walk.queue[0][0] <= end:
            day, _priority, _seq, life = heapq.heappop(walk.queue)
            walk.set_clock(day)
            try:
                following = next(life)
            except StopIteration:
                continue
            if following < day:
                raise RuntimeError(f"a demo life went back in time: {following} after {day}")
            walk._push(following, life, 1)
        walk.set_clock(end)
        for name in AFTER_WALK:
            _call(name)
    finally:
        if was_frozen is not None:
            clock.freeze(was_frozen)
        else:
            clock.unfreeze()
    return walk


def _month_life(walk: Walk, month: date, steps: list[Callable[[Walk, date], None]]) -> Life:
    for step in steps:
        step(walk, month)
    return
    yield  # a generator that acts once, at its first resumption


def _resolve(name: str) -> Callable[[Walk, date], None]:
    module, _, attribute = name.rpartition(".")
    return getattr(import_module(module), attribute)


def _resolve_resume(name: str) -> Callable[[Walk, date], None]:
    module, _, attribute = name.rpartition(".")
    return getattr(import_module(module), attribute)


def _registered(number: str) -> bool:
    return Member.objects.filter(id_index__in=id_indexes_of(number)).exists()


def _resolve_early(name: str) -> Callable[[Walk], None]:
    module, _, attribute = name.rpartition(".")
    return getattr(import_module(module), attribute)


def _call(name: str) -> None:
    module, _, attribute = name.rpartition(".")
    getattr(import_module(module), attribute)()
