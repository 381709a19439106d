"""Work queues (待办 / 已办 / 办结 / 逾期) per user and per organisation (issue 4 item 8).

"To do" is derived from the transition table: the states in which some action needs a permission the user
holds in the case's place. So a new transition shows up in the queues without touching this module."""

from __future__ import annotations

from django.db.models import BigIntegerField, QuerySet
from django.db.models.functions import Cast

from jiuzhu.cases.deadlines import deadline_of
from jiuzhu.cases.models import Case
from jiuzhu.cases.selectors import cases_visible_to
from jiuzhu.cases.workflow import OPEN, TERMINAL, TRANSITIONS
from jiuzhu.core.models import AuditEvent
from jiuzhu.core.types import TIME_LIMITED_TYPES
from jiuzhu.orgs import authz
from jiuzhu.orgs.roles import perms_of

QUEUES = [
    ("todo", "待办"),
    ("done", "已办"),
    ("finished", "办结"),
    ("overdue", "逾期"),
    ("warning", "即将超期"),
]


def todo_states(user) -> set[str]:
    held = (
        set().union(*(perms_of(m.role) for m in authz.memberships(user)))
        if authz.memberships(user)
        else set()
    )
    if authz.is_global(user):
        return set(OPEN)
    states: set[str] = set()
    for t in TRANSITIONS.values():
        if t.action == "withdraw":
            continue  # the applicant's choice, not a task
        if t.perm in held:
            states |= set(t.sources)
    return states


def todo(user) -> QuerySet[Case]:
    return cases_visible_to(user).filter(status__in=todo_states(user))


def done(user) -> QuerySet[Case]:
    """Open cases the user has acted on."""
    ids = (
        AuditEvent.objects.filter(actor=user, object_type="cases.case")
        .annotate(case_id=Cast("object_id", BigIntegerField()))
        .values("case_id")
    )
    return cases_visible_to(user).filter(pk__in=ids, status__in=OPEN)


def finished(user) -> QuerySet[Case]:
    return cases_visible_to(user).filter(status__in=TERMINAL)


def open_time_limited(user) -> QuerySet[Case]:
    return cases_visible_to(user).filter(status__in=OPEN, assistance_type__in=TIME_LIMITED_TYPES)


def with_deadlines(cases) -> list[tuple[Case, object]]:
    out = []
    for case in cases:
        d = deadline_of(case)
        if d is not None:
            out.append((case, d))
    return out


def overdue(user) -> list[tuple[Case, object]]:
    return [(c, d) for c, d in with_deadlines(open_time_limited(user)) if d.overdue and d.stopped_on is None]


def warning(user) -> list[tuple[Case, object]]:
    return [(c, d) for c, d in with_deadlines(open_time_limited(user)) if d.warning]
