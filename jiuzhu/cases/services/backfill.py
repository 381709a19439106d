"""补录 requests: the township asks, with a reason, to date a step further back than the policy's limit; a
bureau officer approves or refuses. The approved request is used up by the one step it names
(`workflow.step` checks and marks it), so a date beyond the limit is never a township's own choice."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from jiuzhu.cases.backdating import earliest_without_request
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_backfill import BackfillRequest, BackfillStatus
from jiuzhu.cases.transitions import TRANSITIONS
from jiuzhu.core import audit, clock
from jiuzhu.core.dates import ensure_not_before, ensure_not_future
from jiuzhu.core.errors import Forbidden, TransitionNotAllowed
from jiuzhu.core.problems import Problems
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm

REASON_MAX = 500


def backfill_request(
    *, by: User, case: Case, action: str, step_on: date | None, reason: str
) -> BackfillRequest:
    """The township's request: which step, which past date, and why it is entered only now."""
    membership = authz.require(by, Perm.CASE_PROCESS, case.area_code)
    problems = Problems()
    if action not in TRANSITIONS:
        problems.add("action", "请选择要补录的办理环节")
    if step_on is None:
        problems.add("step_on", "请填写补录日期")
    else:
        with problems.gather("step_on"):
            ensure_not_future(step_on, "补录日期", field="step_on")
            ensure_not_before(step_on, case.applied_on, "补录日期", "申请日期", field="step_on")
        earliest = earliest_without_request(case)
        if not problems.messages and step_on >= earliest:
            problems.add(
                "step_on", f"{earliest:%Y-%m-%d} 及以后的日期可直接登记，无需补录申请", "该日期无需补录申请"
            )
    text = reason.strip()
    if not text:
        problems.add("reason", "请说明为何此时才登记（补录原因）")
    elif len(text) > REASON_MAX:
        problems.add("reason", f"补录原因不能超过 {REASON_MAX} 字")
    problems.raise_if_any("补录申请未提交")
    assert step_on is not None
    with transaction.atomic():
        row = BackfillRequest.objects.create(
            case=case,
            action=action,
            step_on=step_on,
            reason=text,
            requested_by=by,
            requested_at=clock.now(),
        )
        audit.record(
            actor=by,
            membership=membership,
            action="case.backfill_request",
            obj=case,
            after={"request": row.pk, "step": action, "step_on": step_on},
            reason=text,
        )
    return row


def backfill_decide(*, by: User, request: BackfillRequest, approve: bool, note: str = "") -> BackfillRequest:
    """A bureau officer decides; never on their own request. A refusal needs a reason."""
    with transaction.atomic():
        row = BackfillRequest.objects.select_for_update().select_related("case").get(pk=request.pk)
        membership = authz.require(by, Perm.CASE_DECIDE_BUREAU, row.case.area_code)
        if row.status != BackfillStatus.PENDING:
            raise TransitionNotAllowed(f"该补录申请已{row.get_status_display()}")
        if row.requested_by_id == by.pk:
            raise Forbidden("不能审批本人提出的补录申请")
        problems = Problems()
        if not approve and not note.strip():
            problems.add("note", "不批准时须写明理由")
        elif len(note.strip()) > REASON_MAX:
            problems.add("note", f"审批意见不能超过 {REASON_MAX} 字")
        problems.raise_if_any("审批意见未保存")
        row.status = BackfillStatus.APPROVED if approve else BackfillStatus.REJECTED
        row.decided_by, row.decided_at, row.decision_note = by, clock.now(), note.strip()
        row.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit.record(
            actor=by,
            membership=membership,
            action="case.backfill_approve" if approve else "case.backfill_reject",
            obj=row.case,
            after={"request": row.pk, "step": row.action, "step_on": row.step_on},
            reason=note.strip() or row.reason,
        )
    request.status = row.status
    return row


def step_label(action: str) -> str:
    t = TRANSITIONS.get(action)
    return t.label if t else action
