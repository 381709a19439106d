"""API: complaints and reports (投诉举报, S8) — submission, assignment, investigation, reply, return visit."""

from datetime import date

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from jiuzhu.api.schemas import Id, PageNumber, responses
from jiuzhu.cases import selectors as case_selectors
from jiuzhu.core import clock
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision import selectors
from jiuzhu.supervision.api.common import CODE
from jiuzhu.supervision.models import (
    ComplaintChannel,
    InvestigationMethod,
    Satisfaction,
    Severity,
)
from jiuzhu.supervision.services import (
    complaints,
)

router = Router(tags=["监督管理"])


class ComplaintOut(Schema):
    id: int
    number: str
    channel: str
    received_on: date
    anonymous: bool
    content: str
    area_code: str
    township_code: str
    case_id: int | None
    status: str
    reply_due_on: date
    substantiated: bool | None
    replied_on: date | None
    satisfaction: str
    assigned_to_id: int | None
    assigned_on: date | None
    investigated_on: date | None
    return_visit_on: date | None
    overdue: bool = Field(..., description="超过答复期限：未答复且期限已过，或答复晚于期限")
    version: int

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.overdue_on(clock.today())


class ComplaintDetailOut(ComplaintOut):
    method: str
    investigation: str
    reply: str
    return_visit_note: str
    finding_ids: list[int] = Field(..., description="查实后形成的问题")

    @staticmethod
    def resolve_finding_ids(obj) -> list[int]:
        return list(obj.findings.order_by("id").values_list("id", flat=True))


class ComplaintIn(Schema):
    channel: ComplaintChannel
    content: str = Field(..., min_length=1, max_length=4000)
    area_code: str = Field(..., pattern=CODE)
    complainant: str = Field("", max_length=60)
    contact: str = Field("", max_length=60)
    anonymous: bool = False
    received_on: date | None = None
    case_id: int | None = None


@router.get(
    "/supervision/complaints", response=responses(list[ComplaintOut], read_only=True), summary="投诉举报"
)
@paginate(PageNumber)
def complaint_list(request: AuthenticatedHttpRequest, status: str | None = None):
    qs = selectors.complaints_visible_to(request.user).order_by("-received_on", "-id")
    return qs.filter(status=status) if status else qs


@router.post(
    "/supervision/complaints", response=responses(ComplaintOut, status=201), summary="登记投诉举报（S8）"
)
def complaint_submit(request: AuthenticatedHttpRequest, payload: ComplaintIn):
    case = case_selectors.get_case(request.user, payload.case_id) if payload.case_id else None
    return Status(
        201,
        complaints.complaint_submit(
            by=request.user,
            channel=payload.channel,
            content=payload.content,
            area_code=payload.area_code,
            complainant=payload.complainant,
            contact=payload.contact,
            anonymous=payload.anonymous,
            received_on=payload.received_on,
            case=case,
        ),
    )


@router.get(
    "/supervision/complaints/{complaint_id}",
    response=responses(ComplaintDetailOut, read_only=True),
    summary="投诉举报详情",
)
def complaint_detail(request: AuthenticatedHttpRequest, complaint_id: Id):
    return selectors.get_complaint(request.user, complaint_id)


class ComplaintAssignIn(Schema):
    assignee_id: Id = Field(..., description="有权在该地办理投诉举报的工作人员")
    on: date | None = Field(None, description="交办日期，默认今天")


class ComplaintInvestigateIn(Schema):
    method: InvestigationMethod = Field(
        ..., description="visit 入户核实、open 明察、unannounced 暗访、random 随机抽查、records 查阅档案"
    )
    investigation: str = Field(..., min_length=1, max_length=4000, description="调查核实情况")
    substantiated: bool = Field(..., description="反映属实：属实时形成发现问题，计入考评并可立项督办")
    on: date = Field(..., description="调查日期")
    severity: Severity = Field(Severity.MINOR, description="问题严重程度（属实时）")
    version: int | None = None


class ComplaintReplyIn(Schema):
    reply: str = Field(..., min_length=1, max_length=4000, description="答复内容")
    on: date = Field(..., description="答复日期；晚于答复期限的答复记为逾期（overdue）")
    version: int | None = None


class ComplaintVisitIn(Schema):
    on: date = Field(..., description="回访日期")
    satisfaction: Satisfaction = Field(..., description="satisfied 满意、basic 基本满意、unsatisfied 不满意")
    note: str = Field("", max_length=4000, description="回访情况")
    version: int | None = None


@router.post(
    "/supervision/complaints/{complaint_id}/assign",
    response=responses(ComplaintDetailOut),
    summary="交办投诉举报（S8）",
)
def complaint_assign(request: AuthenticatedHttpRequest, complaint_id: Id, payload: ComplaintAssignIn):
    complaint = selectors.get_complaint(request.user, complaint_id)
    # The people the page offers: those who may handle complaints there (no names of anyone else leak out).
    people = selectors.handlers_for(complaint.area_code, Perm.COMPLAINT_HANDLE)
    assignee = next((u for u in people if u.pk == payload.assignee_id), None)
    if assignee is None:
        raise ValidationFailed(
            "交办对象不存在或无权办理该投诉举报", field_errors={"assignee_id": "不存在或无权办理"}
        )
    return complaints.complaint_assign(by=request.user, complaint=complaint, assignee=assignee, on=payload.on)


@router.post(
    "/supervision/complaints/{complaint_id}/investigate",
    response=responses(ComplaintDetailOut),
    summary="登记调查核实情况（属实的形成发现问题）",
)
def complaint_investigate(
    request: AuthenticatedHttpRequest, complaint_id: Id, payload: ComplaintInvestigateIn
):
    complaint = selectors.get_complaint(request.user, complaint_id)
    return complaints.complaint_investigate(
        by=request.user,
        complaint=complaint,
        method=payload.method,
        investigation=payload.investigation,
        substantiated=payload.substantiated,
        on=payload.on,
        severity=payload.severity,
        expected_version=payload.version,
    )


@router.post(
    "/supervision/complaints/{complaint_id}/reply",
    response=responses(ComplaintDetailOut),
    summary="答复投诉举报（答复期限按工作日计算）",
)
def complaint_reply(request: AuthenticatedHttpRequest, complaint_id: Id, payload: ComplaintReplyIn):
    complaint = selectors.get_complaint(request.user, complaint_id)
    return complaints.complaint_reply(
        by=request.user,
        complaint=complaint,
        reply=payload.reply,
        on=payload.on,
        expected_version=payload.version,
    )


@router.post(
    "/supervision/complaints/{complaint_id}/return-visit",
    response=responses(ComplaintDetailOut),
    summary="回访并办结投诉举报",
)
def complaint_return_visit(request: AuthenticatedHttpRequest, complaint_id: Id, payload: ComplaintVisitIn):
    complaint = selectors.get_complaint(request.user, complaint_id)
    return complaints.complaint_return_visit(
        by=request.user,
        complaint=complaint,
        on=payload.on,
        satisfaction=payload.satisfaction,
        note=payload.note,
        expected_version=payload.version,
    )
