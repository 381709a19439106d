"""Running one move of the state machine: the single place where a case is locked, re-checked, moved,
versioned and audited, so that no service can move a case any other way. What moves exist is the table in
`transitions.py`; each service says what its move records inside `step()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from jiuzhu.cases.models import Case
from jiuzhu.cases.states import state_label
from jiuzhu.cases.transitions import TRANSITIONS, Transition, blocked_reason
from jiuzhu.core import audit, clock
from jiuzhu.core.errors import Conflict, TransitionNotAllowed
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Membership, User


@dataclass
class Step:
    """What a running transition hands to its service: the locked case and the authorising role."""

    case: Case
    membership: Membership | None
    before: str
    transition: Transition
    audit_after: dict = field(default_factory=dict)
    reason: str = ""


@contextmanager
def step(
    *,
    case: Case,
    action: str,
    by: User,
    expected_version: int | None = None,
    perm: str | None = None,
    on: date | None = None,
) -> Iterator[Step]:
    """Run one transition: lock the case, re-check state, role and guards under the lock, let the service
    write its step record and set `case.status`, then bump the version and write the audit event.

    Two people acting on one case at once: the second waits for the lock, then finds the state moved on and
    gets a conflict message; nothing of theirs is written."""
    t = TRANSITIONS[action]
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        membership = authz.require(by, perm or t.perm_on(locked), locked.area_code)
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(
                f"申请 {locked.number} 刚被他人处理（当前状态：{state_label(locked.status)}），请刷新页面后再操作"
            )
        reason = blocked_reason(locked, action, on)
        if reason:
            raise TransitionNotAllowed(reason)
        ctx = Step(case=locked, membership=membership, before=locked.status, transition=t)
        if t.target:
            locked.status = t.target
        yield ctx
        if t.target is None and locked.status not in t.targets:
            raise RuntimeError(f"{action} left the case in {locked.status}, not one of {t.targets}")
        locked.version += 1
        locked.updated_at = clock.now()
        locked.save()
        audit.record(
            actor=by,
            membership=membership,
            action=f"case.{action}",
            obj=locked,
            before={"status": ctx.before},
            after={"status": locked.status, **ctx.audit_after},
            reason=ctx.reason,
        )
        case.status = locked.status
        case.version = locked.version
