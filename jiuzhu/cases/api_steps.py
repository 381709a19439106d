"""API: every workflow action and read after acceptance, calling the same services, selectors and queues as
the pages, so that an integration is held to the same rules as staff."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from jiuzhu.api.schemas import Id, PageNumber, responses
from jiuzhu.cases import queues, selectors
from jiuzhu.cases.api import CaseDetailOut, CaseOut, detail
from jiuzhu.cases.api_schemas import route_out
from jiuzhu.cases.deadlines import deadline_of
from jiuzhu.cases.models_steps import ObjectionOutcome, Outcome, VerifyResult
from jiuzhu.cases.services import steps
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.orgs.http import AuthenticatedHttpRequest

router = Router(tags=["审批流程"])


class DateIn(Schema):
    on: date
    note: str = Field("", max_length=300)


class VerificationResultIn(Schema):
    completed_on: date
    result: VerifyResult
    monthly_income: str | None = Field(None, max_length=20)
    per_capita_income: str | None = Field(None, max_length=20)
    assets_value: str | None = Field(None, max_length=20)
    findings: str = Field("", max_length=4000)

    def to_data(self) -> steps.VerificationResult:
        return steps.VerificationResult(**self.dict())


class VerificationOut(Schema):
    id: int
    before_application: bool
    requested_on: date
    completed_on: date | None
    result: str
    monthly_income: Decimal | None
    per_capita_income: Decimal | None
    assets_value: Decimal | None
    findings: str


def _case(request, case_id):
    return selectors.get_case(request.user, case_id)


@router.post(
    "/cases/{case_id}/pre-verification",
    response=responses(CaseDetailOut),
    summary="发起申请前核对（聊城流程）",
)
def pre_verify_request(request: AuthenticatedHttpRequest, case_id: Id, payload: DateIn):
    case = _case(request, case_id)
    steps.pre_verify_request(by=request.user, case=case, on=payload.on)
    return detail(request, case)


@router.post(
    "/cases/{case_id}/pre-verification/result", response=responses(CaseDetailOut), summary="申请前核对结果"
)
def pre_verify_result(request: AuthenticatedHttpRequest, case_id: Id, payload: VerificationResultIn):
    case = _case(request, case_id)
    steps.pre_verify_result(by=request.user, case=case, data=payload.to_data())
    return detail(request, case)


@router.post(
    "/cases/{case_id}/verification", response=responses(CaseDetailOut), summary="发起家庭经济状况核对（A5）"
)
def verify_request(request: AuthenticatedHttpRequest, case_id: Id, payload: DateIn):
    case = _case(request, case_id)
    steps.verify_request(by=request.user, case=case, on=payload.on)
    return detail(request, case)


@router.post(
    "/cases/{case_id}/verification/result",
    response=responses(CaseDetailOut),
    summary="登记核对结果（核对人员）",
)
def verify_result(request: AuthenticatedHttpRequest, case_id: Id, payload: VerificationResultIn):
    case = _case(request, case_id)
    steps.verify_result(by=request.user, case=case, data=payload.to_data())
    return detail(request, case)


@router.get(
    "/cases/{case_id}/verifications",
    response=responses(list[VerificationOut], read_only=True),
    summary="核对数据（仅核对人员和经办人员；每次查看记入审计，A6）",
)
def verifications(request: AuthenticatedHttpRequest, case_id: Id):
    return selectors.verifications_for(request.user, _case(request, case_id))


class InvestigationIn(Schema):
    visited_on: date
    investigator_ids: list[Id] = Field(..., min_length=1, max_length=20)
    home_visit: str = Field(..., min_length=1, max_length=4000)
    conclusion: str = Field(..., min_length=1, max_length=4000)
    neighbour_interviews: str = Field("", max_length=4000)
    letters: str = Field("", max_length=4000)
    village_helper: str = Field("", max_length=60)
    investigators_signed: bool
    applicant_signed: bool


@router.post("/cases/{case_id}/investigation", response=responses(CaseDetailOut), summary="入户调查（I1）")
def investigate(request: AuthenticatedHttpRequest, case_id: Id, payload: InvestigationIn):
    case = _case(request, case_id)
    steps.investigate(by=request.user, case=case, data=steps.InvestigationInput(**payload.dict()))
    return detail(request, case)


class DisputeIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


@router.post(
    "/cases/{case_id}/dispute", response=responses(CaseDetailOut), summary="标记为有争议（须民主评议）"
)
def dispute(request: AuthenticatedHttpRequest, case_id: Id, payload: DisputeIn):
    case = _case(request, case_id)
    steps.mark_disputed(by=request.user, case=case, reason=payload.reason)
    return detail(request, _case(request, case_id))


class ReviewIn(Schema):
    held_on: date
    panel: list[str] = Field(..., min_length=1, max_length=30)
    minutes: str = Field(..., min_length=1, max_length=8000)
    votes_for: int = Field(..., ge=0, le=50)
    votes_against: int = Field(..., ge=0, le=50)
    all_signed: bool


@router.post("/cases/{case_id}/review", response=responses(CaseDetailOut), summary="民主评议（R1）")
def review(request: AuthenticatedHttpRequest, case_id: Id, payload: ReviewIn):
    case = _case(request, case_id)
    steps.review(by=request.user, case=case, data=steps.ReviewInput(**payload.dict()))
    return detail(request, case)


class Attendee(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    title: str = Field("", max_length=60)


class MeetingIn(Schema):
    held_on: date
    attendees: list[Attendee] = Field(..., min_length=1, max_length=30)
    minutes: str = Field(..., min_length=1, max_length=8000)
    outcome: Outcome
    amount: str | None = Field(None, max_length=20)
    covered_members: int | None = Field(None, ge=1, le=50)
    reasons: str = Field("", max_length=4000)

    def to_data(self) -> steps.MeetingInput:
        data = self.dict()
        return steps.MeetingInput(**data)


@router.post(
    "/cases/{case_id}/decision", response=responses(CaseDetailOut), summary="受委托审批会议（乡镇，P1）"
)
def decide(request: AuthenticatedHttpRequest, case_id: Id, payload: MeetingIn):
    case = _case(request, case_id)
    steps.decide(by=request.user, case=case, data=payload.to_data())
    return detail(request, case)


@router.post(
    "/cases/{case_id}/township-review", response=responses(CaseDetailOut), summary="乡镇审核（两级审批）"
)
def township_review(request: AuthenticatedHttpRequest, case_id: Id, payload: MeetingIn):
    case = _case(request, case_id)
    steps.township_review(by=request.user, case=case, data=payload.to_data())
    return detail(request, case)


@router.post(
    "/cases/{case_id}/bureau-decision", response=responses(CaseDetailOut), summary="民政局审批（两级审批）"
)
def bureau_decide(request: AuthenticatedHttpRequest, case_id: Id, payload: MeetingIn):
    case = _case(request, case_id)
    steps.bureau_decide(by=request.user, case=case, data=payload.to_data())
    return detail(request, case)


class ReturnIn(Schema):
    on: date
    reason: str = Field(..., min_length=1, max_length=500)


@router.post(
    "/cases/{case_id}/return-to-township",
    response=responses(CaseDetailOut),
    summary="民政局退回乡镇（街道）（委托在审核后生效等情形，D3）",
)
def return_to_township(request: AuthenticatedHttpRequest, case_id: Id, payload: ReturnIn):
    case = _case(request, case_id)
    steps.return_to_township(by=request.user, case=case, on=payload.on, reason=payload.reason)
    return detail(request, case)


@router.post(
    "/cases/{case_id}/filing-with-bureau", response=responses(CaseDetailOut), summary="报民政局备案（P5）"
)
def file_with_bureau(request: AuthenticatedHttpRequest, case_id: Id, payload: DateIn):
    case = _case(request, case_id)
    steps.file_with_bureau(by=request.user, case=case, on=payload.on, note=payload.note)
    return detail(request, case)


class NoticeIn(Schema):
    case_ids: list[Id] = Field(..., min_length=1, max_length=500)
    start_on: date
    places: str = Field("", max_length=200)


class BulkOut(Schema):
    cases: list[CaseOut]


@router.post(
    "/notices",
    response=responses(BulkOut, status=201),
    summary="张榜公示（可多件，全部成功或全部不处理，P2）",
)
def post_notice(request: AuthenticatedHttpRequest, payload: NoticeIn):
    cases = selectors.bulk_cases(request.user, payload.case_ids)
    steps.post_notice(by=request.user, cases=cases, start_on=payload.start_on, places=payload.places)
    return Status(201, {"cases": [selectors.get_case(request.user, c.pk) for c in cases]})


class ObjectionIn(Schema):
    received_on: date
    content: str = Field(..., min_length=1, max_length=4000)
    raised_by: str = Field("", max_length=60)
    contact: str = Field("", max_length=60)


@router.post(
    "/cases/{case_id}/objections", response=responses(CaseDetailOut, status=201), summary="登记公示异议（P3）"
)
def register_objection(request: AuthenticatedHttpRequest, case_id: Id, payload: ObjectionIn):
    case = _case(request, case_id)
    steps.register_objection(by=request.user, case=case, **payload.dict())
    return Status(201, detail(request, case))


class ResolveIn(Schema):
    handled_on: date
    outcome: ObjectionOutcome
    handling: str = Field(..., min_length=1, max_length=4000)


@router.post("/cases/{case_id}/objections/resolve", response=responses(CaseDetailOut), summary="异议复核结论")
def resolve_objection(request: AuthenticatedHttpRequest, case_id: Id, payload: ResolveIn):
    case = _case(request, case_id)
    steps.resolve_objection(by=request.user, case=case, **payload.dict())
    return detail(request, case)


class FinalizeIn(Schema):
    case_ids: list[Id] = Field(..., min_length=1, max_length=500)
    on: date | None = None


@router.post("/finalizations", response=responses(BulkOut), summary="公示期满作出批准决定（可多件，P3）")
def finalize(request: AuthenticatedHttpRequest, payload: FinalizeIn):
    cases = selectors.bulk_cases(request.user, payload.case_ids)
    steps.finalize_many(by=request.user, cases=cases, on=payload.on)
    return {"cases": [selectors.get_case(request.user, c.pk) for c in cases]}


def _local_time(value: datetime) -> datetime:
    """A time without an offset is the server's local time (Asia/Shanghai), as on the page; every time is
    then held in local time, so that its date is the local date (P8 deadlines count from it)."""
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return timezone.localtime(value)
    except (OverflowError, ValueError):
        raise PydanticCustomError("datetime_range", "超出支持的时间范围") from None


LocalDateTime = Annotated[datetime, AfterValidator(_local_time)]


class EmergencyAidIn(Schema):
    requested_at: LocalDateTime = Field(..., description="求助时间；不带时区时按北京时间（+08:00）")
    paid_at: LocalDateTime = Field(..., description="先行救助时间；不带时区时按北京时间（+08:00）")
    amount: str = Field(..., max_length=20)


@router.post(
    "/cases/{case_id}/emergency-aid", response=responses(CaseDetailOut), summary="急难先行救助（P8）"
)
def emergency_aid(request: AuthenticatedHttpRequest, case_id: Id, payload: EmergencyAidIn):
    case = _case(request, case_id)
    steps.emergency_aid(by=request.user, case=case, **payload.dict())
    return detail(request, case)


class EmergencyRegisterIn(Schema):
    registered_on: date
    recipient_note: str = Field(..., min_length=1, max_length=4000)
    signatures_completed: bool


@router.post(
    "/cases/{case_id}/emergency-registration",
    response=responses(CaseDetailOut),
    summary="急难救助补办登记（P8）",
)
def emergency_register(request: AuthenticatedHttpRequest, case_id: Id, payload: EmergencyRegisterIn):
    case = _case(request, case_id)
    steps.emergency_register(by=request.user, case=case, **payload.dict())
    return detail(request, case)


class RouteOut(Schema):
    decider: str
    delegated: bool
    label: str
    reason: str


class DeadlineOut(Schema):
    limit: int
    used: int
    left: int
    paused: int
    accepted_on: date
    due_on: date
    stopped_on: date | None
    overdue: bool
    warning: bool
    provisional: bool


class StepOut(Schema):
    kind: str
    on: date
    note: str


class ProgressOut(Schema):
    route: RouteOut
    deadline: DeadlineOut | None
    profile: str
    steps: list[StepOut]


@router.get(
    "/cases/{case_id}/progress",
    response=responses(ProgressOut, read_only=True),
    summary="审批路径、时限与办理环节",
)
def progress(request: AuthenticatedHttpRequest, case_id: Id):
    case = _case(request, case_id)
    return {
        "route": route_out(selectors.current_route(case)),
        "deadline": deadline_of(case),
        "profile": case.profile,
        "steps": list(case.steps.all()),
    }


class QueueItemOut(CaseOut):
    deadline_left: int | None = None
    overdue: bool = False


class QueuePage(Schema):
    items: list[QueueItemOut]
    count: int
    page: int
    page_size: int


@router.get(
    "/queues/{name}",
    response=responses(QueuePage, read_only=True),
    summary="工作队列：todo 待办 / done 已办 / finished 办结 / overdue 逾期 / warning 即将超期（分页）",
)
def queue(request: AuthenticatedHttpRequest, name: str, p: Query[PageNumber.Input]):
    if name not in dict(queues.QUEUES):
        raise ValidationFailed(
            "队列名称无效", field_errors={"name": "应为 todo、done、finished、overdue、warning 之一"}
        )
    shown = queues.queue(request.user, name)
    out = []
    for case, d in shown.page((p.page - 1) * p.page_size, p.page * p.page_size):
        item = CaseOut.from_orm(case).dict()
        item["deadline_left"] = d.left if d and d.stopped_on is None else None
        item["overdue"] = bool(d and d.overdue and d.stopped_on is None)
        out.append(item)
    return {"items": out, "count": shown.count(), "page": p.page, "page_size": p.page_size}
