"""Work queues (待办 / 已办 / 办结 / 逾期 / 即将超期) per user and per organisation: what each member of staff
opens first in the morning, the same for the page and the API (`queue`).

"To do" is derived from the transition table: the states in which some action needs a permission the user
holds in the case's place. So a new transition shows up in the queues without touching this module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import BigIntegerField, Q, QuerySet
from django.db.models.functions import Cast

from jiuzhu.cases.deadlines import Deadline, deadline_of
from jiuzhu.cases.models import Case
from jiuzhu.cases.selectors import cases_visible_to
from jiuzhu.cases.states import OPEN, TERMINAL
from jiuzhu.cases.transitions import TRANSITIONS
from jiuzhu.core import clock, params
from jiuzhu.core.models import AuditEvent
from jiuzhu.core.types import TIME_LIMITED_TYPES
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import OrgKind, Perm, perms_of

QUEUES = [
    ("todo", "待办"),
    ("done", "已办"),
    ("finished", "办结"),
    ("overdue", "逾期"),
    ("warning", "即将超期"),
]


# Intake and processing are the township's work even where a bureau officer may step in: they stay out of the
# bureau's 待办 (they are in its lists), so the bureau's queue holds what waits for the bureau.
TOWNSHIP_WORK = frozenset({Perm.CASE_CREATE, Perm.CASE_PROCESS})


def todo_states(user: User) -> set[str]:
    held: set[str] = set()
    for m in authz.memberships(user):
        perms = set(perms_of(m.role))
        if m.organisation.kind == OrgKind.BUREAU:
            perms -= TOWNSHIP_WORK
        held |= perms
    if authz.is_global(user):
        return set(OPEN)
    states: set[str] = set()
    for t in TRANSITIONS.values():
        if t.task and t.perm in held:
            states |= set(t.sources)
    return states


def todo(user: User) -> QuerySet[Case]:
    return cases_visible_to(user).filter(status__in=todo_states(user))


def done(user: User) -> QuerySet[Case]:
    """Open cases the user has acted on."""
    ids = (
        AuditEvent.objects.filter(actor=user, object_type="cases.case")
        .annotate(case_id=Cast("object_id", BigIntegerField()))
        .values("case_id")
    )
    return cases_visible_to(user).filter(pk__in=ids, status__in=OPEN)


def finished(user: User) -> QuerySet[Case]:
    return cases_visible_to(user).filter(status__in=TERMINAL)


def open_time_limited(user: User) -> QuerySet[Case]:
    return cases_visible_to(user).filter(status__in=OPEN, assistance_type__in=TIME_LIMITED_TYPES)


def with_deadlines(cases) -> list[tuple[Case, Deadline]]:
    out = []
    for case in cases:
        d = deadline_of(case)
        if d is not None:
            out.append((case, d))
    return out


def _old_enough(qs: QuerySet[Case], *, days_left: int | None) -> QuerySet[Case]:
    """Only cases that can have reached the point: N working days span at least N calendar days and the
    clock starts no earlier than the application, so younger cases are skipped in SQL before the
    per-case deadline (holidays, pauses) is worked out."""
    today = clock.today()
    q = Q(pk__in=[])
    for code in qs.order_by().values_list("township_code", flat=True).distinct():
        limit = params.get("deadline.working_days", area_code=code, on=today)
        left = days_left
        if left is None:
            left = params.get("deadline.warning_days_left", area_code=code, on=today)
        q |= Q(township_code=code, applied_on__lte=today - timedelta(days=max(limit - left, 0)))
    return qs.filter(q)


def overdue(user: User) -> list[tuple[Case, Deadline]]:
    candidates = _old_enough(open_time_limited(user), days_left=0)
    return [(c, d) for c, d in with_deadlines(candidates) if d.overdue and d.stopped_on is None]


def warning(user: User) -> list[tuple[Case, Deadline]]:
    candidates = _old_enough(open_time_limited(user), days_left=None)
    return [(c, d) for c, d in with_deadlines(candidates) if d.warning]


# The queues read straight from the database, and those worked out case by case from the deadlines.
QUERIES: dict[str, Callable[..., QuerySet[Case]]] = {"todo": todo, "done": done, "finished": finished}
COMPUTED: dict[str, Callable[..., list[tuple[Case, Deadline]]]] = {"overdue": overdue, "warning": warning}


@dataclass(frozen=True)
class Queue:
    """One queue of a user: cases from the database (newest activity first; their deadlines are worked out
    for the page shown only), or the (case, deadline) rows of the deadline queues."""

    name: str
    cases: QuerySet[Case] | None = None
    rows: list[tuple[Case, Deadline]] | None = None

    def count(self) -> int:
        return self.cases.count() if self.cases is not None else len(self.rows or [])

    def page(self, start: int, end: int) -> list[tuple[Case, Deadline | None]]:
        if self.cases is not None:
            return [(c, deadline_of(c)) for c in self.cases[start:end]]
        return list((self.rows or [])[start:end])


def queue(user: User, name: str) -> Queue:
    """The queue `name` (one of `QUEUES`) of `user`, for the page and the API alike."""
    if name in COMPUTED:
        return Queue(name, rows=COMPUTED[name](user))
    return Queue(name, cases=QUERIES[name](user).order_by("-updated_at", "-id"))


def counts(user: User) -> dict[str, int]:
    return {name: queue(user, name).count() for name, _ in QUEUES}
