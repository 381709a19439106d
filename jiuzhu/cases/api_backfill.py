"""API: what the bureau authorises for a township — 补录 requests (a step dated beyond the back-dating limit) and
the waiver of a missing item of an emergency case's paperwork (P8). The same services and selectors as the pages;
an approved request is used by the step API itself (`workflow.step` finds it by step and date)."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Router, Schema, Status

from jiuzhu.api.schemas import Id, responses
from jiuzhu.cases import selectors
from jiuzhu.cases.api import CaseDetailOut, detail
from jiuzhu.cases.emergency_paperwork import key_of, outstanding
from jiuzhu.cases.models_backfill import BackfillRequest
from jiuzhu.cases.services.backfill import REASON_MAX, backfill_decide, backfill_request, step_label
from jiuzhu.cases.services.steps import emergency_waive
from jiuzhu.orgs.http import AuthenticatedHttpRequest

router = Router(tags=["审批流程"])


class BackfillOut(Schema):
    id: int
    case_id: int
    case_number: str
    action: str
    step: str
    step_on: date
    reason: str
    status: str
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str
    used_at: datetime | None


def _out(row: BackfillRequest) -> dict:
    return {
        "id": row.pk,
        "case_id": row.case_id,
        "case_number": row.case.number,
        "action": row.action,
        "step": step_label(row.action),
        "step_on": row.step_on,
        "reason": row.reason,
        "status": row.status,
        "requested_at": row.requested_at,
        "decided_at": row.decided_at,
        "decision_note": row.decision_note,
        "used_at": row.used_at,
    }


class BackfillIn(Schema):
    action: str = Field(
        ..., max_length=40, description="要补录的办理环节（如 accept、verify_result、investigate）"
    )
    step_on: date = Field(..., description="该环节的实际日期（超过补录期限的过去日期）")
    reason: str = Field(..., max_length=REASON_MAX, description="为何此时才登记")


class BackfillDecisionIn(Schema):
    decision: Literal["approve", "reject"]
    note: str = Field("", max_length=REASON_MAX, description="审批意见；不批准时必填")


class WaiverIn(Schema):
    item: str = Field(
        ..., max_length=40, description="缺少的材料或签署（GET 该申请的 emergency-paperwork 所列 key）"
    )
    reason: str = Field(..., max_length=500)


class PaperworkItemOut(Schema):
    key: str
    label: str


@router.get(
    "/cases/{case_id}/backfills",
    response=responses(list[BackfillOut], read_only=True),
    summary="该申请的补录申请",
)
def case_backfills(request: AuthenticatedHttpRequest, case_id: Id):
    case = selectors.get_case(request.user, case_id)
    return [_out(r) for r in case.backfill_requests.select_related("case")]


@router.post(
    "/cases/{case_id}/backfills",
    response=responses(BackfillOut, status=201),
    summary="提出补录申请（乡镇）",
)
def backfill_create(request: AuthenticatedHttpRequest, case_id: Id, payload: BackfillIn):
    case = selectors.get_case(request.user, case_id)
    row = backfill_request(
        by=request.user, case=case, action=payload.action, step_on=payload.step_on, reason=payload.reason
    )
    return Status(201, _out(row))


@router.get(
    "/backfills", response=responses(list[BackfillOut], read_only=True), summary="待审批的补录申请（民政局）"
)
def backfills_to_decide(request: AuthenticatedHttpRequest):
    return [_out(r) for r in selectors.backfill_requests_to_decide(request.user).select_related("case")]


@router.post(
    "/backfills/{request_id}/decision", response=responses(BackfillOut), summary="审批补录申请（民政局）"
)
def backfill_decision(request: AuthenticatedHttpRequest, request_id: Id, payload: BackfillDecisionIn):
    row = selectors.backfill_request_to_decide(request.user, request_id)
    decided = backfill_decide(
        by=request.user, request=row, approve=payload.decision == "approve", note=payload.note
    )
    return _out(decided)


@router.get(
    "/cases/{case_id}/emergency-paperwork",
    response=responses(list[PaperworkItemOut], read_only=True),
    summary="先行救助后尚缺的材料和签署（P8）",
)
def emergency_paperwork(request: AuthenticatedHttpRequest, case_id: Id):
    case = selectors.get_case(request.user, case_id)
    return [{"key": key_of(m), "label": m.label} for m in outstanding(case)]


@router.post(
    "/cases/{case_id}/emergency-waivers",
    response=responses(CaseDetailOut, status=201),
    summary="免补一项材料或签署（民政局，P8）",
)
def emergency_waiver(request: AuthenticatedHttpRequest, case_id: Id, payload: WaiverIn):
    case = selectors.get_case(request.user, case_id)
    emergency_waive(by=request.user, case=case, item_key=payload.item, reason=payload.reason)
    return Status(201, detail(request, case))
