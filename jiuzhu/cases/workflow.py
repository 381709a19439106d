"""The case state machine as data (ARCHITECTURE convention 2).

`TRANSITIONS` is the one table: action → (from states, to state, permission, guards). Services, pages,
the API, tests and the generated diagram (docs/workflow.md) all read it. A move the table does not allow
raises `TransitionNotAllowed`; a guard that fails says why in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.db import models, transaction

from jiuzhu.core import audit, clock
from jiuzhu.core.errors import Conflict, TransitionNotAllowed
from jiuzhu.orgs import authz
from jiuzhu.orgs.roles import Perm


class State(models.TextChoices):
    SUBMITTED = "submitted", "待受理"
    INCOMPLETE = "incomplete", "待补齐材料"
    PRE_VERIFYING = "pre_verifying", "申请前核对中"
    ACCEPTED = "accepted", "已受理"
    VERIFYING = "verifying", "经济状况核对中"
    VERIFIED = "verified", "核对完成，待入户调查"
    INVESTIGATED = "investigated", "入户调查完成，待审批"
    REVIEWED = "reviewed", "民主评议完成，待审批"
    TOWNSHIP_REVIEWED = "township_reviewed", "乡镇已审核，待民政局审批"
    FILING = "filing", "待报民政局备案"
    TO_NOTICE = "to_notice", "审批同意，待张榜公示"
    NOTICE = "notice", "公示中"
    OBJECTION = "objection", "异议复核中"
    EMERGENCY_AIDED = "emergency_aided", "已先行救助，待补办登记"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予批准"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    WITHDRAWN = "withdrawn", "已撤回"


TERMINAL = frozenset({State.APPROVED, State.REJECTED, State.NOT_ACCEPTED, State.WITHDRAWN})
OPEN = frozenset(set(State.values) - TERMINAL)
# Before the decision the applicant may withdraw at any point (issue 4 item 3).
BEFORE_DECISION = frozenset(
    {
        State.SUBMITTED,
        State.INCOMPLETE,
        State.PRE_VERIFYING,
        State.ACCEPTED,
        State.VERIFYING,
        State.VERIFIED,
        State.INVESTIGATED,
        State.REVIEWED,
        State.TOWNSHIP_REVIEWED,
    }
)

# A guard gets the case and the date the step is dated (today when a page asks what is possible) and
# returns a Chinese reason when the move is blocked.
Guard = Callable[[object, date], "str | None"]


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the service decides (e.g. by a result); documented in `targets`
    perm: str
    guards: tuple[Guard, ...] = ()
    targets: tuple[str, ...] = field(default_factory=tuple)
    bulk: bool = False  # offered as a bulk action on lists
    # When the permission depends on the case (the decider of its route), this picks it; `perm` is then
    # the permission shown in lists and the diagram alongside `perm_note`.
    perm_for: Callable[[object], str] | None = None
    perm_note: str = ""
    # An action that may be taken but is not what the case waits for (withdrawing, an objection that may
    # come, a review the procedure does not require): True, or a predicate on the case.
    optional: bool | Callable[[object], bool] = False

    def perm_on(self, case) -> str:
        return self.perm_for(case) if self.perm_for else self.perm

    def is_optional(self, case) -> bool:
        return self.optional(case) if callable(self.optional) else self.optional


TRANSITIONS: dict[str, Transition] = {}


def register(*transitions: Transition) -> None:
    for t in transitions:
        TRANSITIONS[t.action] = t


def add_guard(actions: list[str], guard: Guard) -> None:
    """Other apps add their rules to transitions (payments: the monthly cycle, M1); the table stays the one
    place that says what may happen."""
    from dataclasses import replace

    for action in actions:
        t = TRANSITIONS[action]
        if guard not in t.guards:
            TRANSITIONS[action] = replace(t, guards=(*t.guards, guard))


def state_label(state: str) -> str:
    try:
        return State(state).label
    except ValueError:
        return state


def blocked_reason(case, action: str, on: date | None = None) -> str | None:
    """Why `action` cannot be taken on `case` (state and guards) for a step dated `on`, or None."""
    t = TRANSITIONS[action]
    if case.status not in t.sources:
        return f"当前状态为“{state_label(case.status)}”，不能{t.label}"
    for guard in t.guards:
        reason = guard(case, on or clock.today())
        if reason:
            return reason
    return None


def next_steps(case) -> list[tuple[Transition, str | None]]:
    """Every action the case's state allows, whoever may take it, each with the reason it is blocked (or
    None): first what the case waits for (ready, then blocked), then the optional actions."""
    rows = [(t, blocked_reason(case, t.action)) for t in TRANSITIONS.values() if case.status in t.sources]
    return sorted(rows, key=lambda r: (r[0].is_optional(case), r[1] is not None))


def available_actions(case, user) -> list[tuple[Transition, str | None]]:
    """Actions the user's roles allow on this case, each with the reason it is blocked (or None)."""
    out = []
    for t in TRANSITIONS.values():
        if case.status not in t.sources or not authz.can(user, t.perm_on(case), case.area_code):
            continue
        out.append((t, blocked_reason(case, t.action)))
    return out


@dataclass
class Step:
    """What a running transition hands to its service: the locked case and the authorising role."""

    case: object
    membership: object
    before: str
    transition: Transition
    audit_after: dict = field(default_factory=dict)
    reason: str = ""


@contextmanager
def step(
    *,
    case,
    action: str,
    by,
    expected_version: int | None = None,
    perm: str | None = None,
    on: date | None = None,
) -> Iterator[Step]:
    """Run one transition: lock the case, re-check state, role and guards under the lock, let the service
    write its step record and set `case.status`, then bump the version and write the audit event.

    Two people acting on one case at once: the second waits for the lock, then finds the state moved on and
    gets a conflict message; nothing of theirs is written."""
    from jiuzhu.cases.models import Case

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


def perm_label(perm: str) -> str:
    return Perm(perm).label
