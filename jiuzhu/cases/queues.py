"""Work queues (待办 / 已办 / 办结 / 逾期 / 即将超期) per user and per organisation: what each member of staff
opens first in the morning, the same for the page and the API (`queue`).

"To do" is derived from the transition table: the states in which some action needs a permission the user
holds in the case's place. So a new transition shows up in the queues without touching this module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import BigIntegerField, Q, QuerySet
from django.db.models.functions import Cast

from jiuzhu.cases.deadlines import Deadline, deadline_from, inputs_for, last_working_day
from jiuzhu.cases.models import Case
from jiuzhu.cases.selectors import cases_visible_to
from jiuzhu.cases.states import OPEN, TERMINAL
from jiuzhu.cases.transitions import TRANSITIONS
from jiuzhu.core import clock
from jiuzhu.core.listing import Tally, tally
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
    """The deadline of each case shown (a page of a list): a few queries whatever the number of cases."""
    cases = list(cases)
    inputs = inputs_for(cases)
    today = clock.today()
    return [(c, deadline_from(inputs[c.pk], today)) for c in cases if c.pk in inputs]


def _running(user: User) -> QuerySet[Case]:
    return open_time_limited(user).filter(deadline_due_on__isnull=False)


def overdue_q(today: date) -> Q:
    """P7 overdue, on the stored deadline (`deadlines.stored_fields`)."""
    x = last_working_day(today)
    return Q(deadline_paused="", deadline_due_on__lt=x) | Q(deadline_paused="overdue")


def warning_q(today: date) -> Q:
    """P7 nearly overdue: no more working days left than the township's warning threshold."""
    x = last_working_day(today)
    return Q(deadline_paused="", deadline_warn_on__lte=x, deadline_due_on__gte=x) | Q(
        deadline_paused="warning"
    )


def overdue(user: User) -> QuerySet[Case]:
    return _running(user).filter(overdue_q(clock.today()))


def warning(user: User) -> QuerySet[Case]:
    return _running(user).filter(warning_q(clock.today()))


def running(user: User) -> QuerySet[Case]:
    """Open time-limited cases whose clock has not stopped, the nearest deadline first."""
    return _running(user).order_by("deadline_due_on", "id")


QUERIES: dict[str, Callable[..., QuerySet[Case]]] = {
    "todo": todo,
    "done": done,
    "finished": finished,
    "overdue": overdue,
    "warning": warning,
}


@dataclass(frozen=True)
class Queue:
    """One queue of a user: cases from the database (newest activity first, the deadline queues the nearest
    deadline first); their deadlines are worked out for the page shown only."""

    name: str
    cases: QuerySet[Case]

    def count(self) -> int:
        return self.cases.count()

    def page(self, start: int, end: int) -> list[tuple[Case, Deadline | None]]:
        shown = list(self.cases[start:end])
        deadlines = dict(with_deadlines(shown))
        return [(c, deadlines.get(c)) for c in shown]


def queue(user: User, name: str) -> Queue:
    """The queue `name` (one of `QUEUES`) of `user`, for the page and the API alike."""
    if name in ("overdue", "warning"):
        return Queue(name, QUERIES[name](user).order_by("deadline_due_on", "id"))
    return Queue(name, QUERIES[name](user).order_by("-updated_at", "-id"))


# Queues that only grow (every closed case of the scope): their tab shows an estimate once it is large. The
# others stay exact: what is due or overdue is small in a real county and must not be approximate.
ESTIMATED = {"finished"}


def counts(user: User, known: dict[str, Tally] | None = None) -> dict[str, Tally]:
    """Each queue's count for its tab; `known` gives those the caller has counted already (the page's own)."""
    known = known or {}
    out = {}
    for name, _ in QUEUES:
        if name in known:
            out[name] = known[name]
            continue
        cases = queue(user, name).cases
        out[name] = tally(cases) if name in ESTIMATED else Tally(cases.count())
    return out
