"""API: applications, intake actions and online submission — the same services and selectors as the pages,
for integrations and the citizen portal."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jiuzhu.api.schemas import Id, PageNumber, responses
from jiuzhu.cases import selectors
from jiuzhu.cases.api_schemas import (
    AcceptanceOut,
    BureauFilingOut,
    CaseDeadlineOut,
    CaseRouteOut,
    DecisionOut,
    DemocraticReviewOut,
    EmergencyAidOut,
    InvestigationOut,
    LateEmergencyAidOut,
    MeetingOut,
    ObjectionOut,
    PublicNoticeOut,
    TimelineEventOut,
    record_of,
    route_out,
)
from jiuzhu.cases.deadlines import deadline_of
from jiuzhu.cases.materials import missing_items, requirements_for
from jiuzhu.cases.models import Case, Channel, SignatureKind
from jiuzhu.cases.services import intake, online
from jiuzhu.cases.states import State
from jiuzhu.cases.transitions import available_actions
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.selectors import events_for_object
from jiuzhu.core.types import AssistanceType
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Role
from jiuzhu.registry import selectors as registry
from jiuzhu.registry.api import MemberIn

router = Router(tags=["救助申请"])
CODE = r"^\d{12}$"


class CaseOut(Schema):
    id: int
    number: str
    assistance_type: str
    household_id: int
    applicant_id: int
    area_code: str
    township_code: str
    channel: str
    applied_on: date
    reason: str
    requested_amount: Decimal | None
    status: str
    status_label: str
    profile: str
    version: int
    has_near_relative: bool
    created_at: datetime


class CheckOut(Schema):
    code: str
    message: str
    member_id: int | None


class MaterialOut(Schema):
    id: int
    requirement_id: int
    name: str
    member_id: int | None
    received_on: date
    note: str


class SignatureOut(Schema):
    member_id: int
    kind: str
    signed_on: date
    online: bool


class NoticeOut(Schema):
    id: int
    kind: str
    items: list[str]
    issued_on: date


class ActionOut(Schema):
    action: str
    label: str
    blocked_reason: str | None


class CaseDetailOut(CaseOut):
    checks: list[CheckOut]
    materials: list[MaterialOut]
    missing: list[str]
    signatures: list[SignatureOut]
    notices: list[NoticeOut]
    actions: list[ActionOut]


def detail(request: AuthenticatedHttpRequest, case: Case) -> dict:
    out = CaseOut.from_orm(case).dict()
    out["checks"] = list(case.checks.filter(cleared_at__isnull=True))
    out["materials"] = [
        {
            "id": m.id,
            "requirement_id": m.requirement_id,
            "name": m.requirement.name,
            "member_id": m.member_id,
            "received_on": m.received_on,
            "note": m.note,
        }
        for m in case.materials.select_related("requirement")
    ]
    out["missing"] = [m.label for m in missing_items(case)]
    out["signatures"] = list(case.signatures.all())
    out["notices"] = list(case.notices.all())
    out["actions"] = [
        {"action": t.action, "label": t.label, "blocked_reason": reason}
        for t, reason in available_actions(case, request.user)
    ]
    return out


class CaseFilter(Schema):
    number: str | None = Field(None, max_length=20)
    q: str | None = Field(None, max_length=60, description="姓名包含")
    id_number: str | None = Field(None, max_length=20, description="完整身份证号（精确匹配）")
    area: str | None = Field(None, pattern=CODE)
    assistance_type: AssistanceType | None = None
    status: State | None = None
    applied_from: date | None = None
    applied_to: date | None = None


@router.get("/cases", response=responses(list[CaseOut], read_only=True), summary="查询申请")
@paginate(PageNumber)
def case_list(request: AuthenticatedHttpRequest, f: Query[CaseFilter]):
    return selectors.search_cases(
        request.user,
        number=f.number or "",
        q=f.q or "",
        id_number=f.id_number or "",
        area=f.area or "",
        assistance_type=f.assistance_type or "",
        status=f.status or "",
        applied_from=f.applied_from,
        applied_to=f.applied_to,
    ).order_by("-id")


class CaseRecordOut(CaseDetailOut):
    """The case page as data: intake, route, deadline and every recorded step — never the verification
    data (A6: `GET /cases/{id}/verifications`, restricted and logged)."""

    disputed: bool
    disputed_reason: str
    route: CaseRouteOut
    deadline: CaseDeadlineOut | None = Field(None, description="办理时限（P7）；不计时限的类型或受理前为空")
    acceptance: AcceptanceOut | None
    investigations: list[InvestigationOut]
    reviews: list[DemocraticReviewOut]
    meetings: list[MeetingOut]
    bureau_filings: list[BureauFilingOut]
    public_notices: list[PublicNoticeOut]
    objections: list[ObjectionOut]
    emergency_aid: EmergencyAidOut | None
    decision: DecisionOut | None


@router.get(
    "/cases/{int:case_id}",
    response=responses(CaseRecordOut, read_only=True),
    summary="申请详情：状态、审批路径、办理时限和各环节记录（不含核对数据）",
)
def case_detail(request: AuthenticatedHttpRequest, case_id: Id):
    case = selectors.get_case(request.user, case_id)
    return {
        **detail(request, case),
        "disputed": case.disputed,
        "disputed_reason": case.disputed_reason,
        "route": route_out(selectors.current_route(case)),
        "deadline": deadline_of(case),
        **record_of(case),
    }


@router.get(
    "/cases/{int:case_id}/timeline",
    response=responses(list[TimelineEventOut], read_only=True),
    summary="办理记录时间线（审计事件，按时间先后，分页）",
)
@paginate(PageNumber)
def case_timeline(request: AuthenticatedHttpRequest, case_id: Id):
    return events_for_object(selectors.get_case(request.user, case_id))


class LateEmergencyFilter(Schema):
    kind: Literal["registration", "aid"] | None = Field(
        None, description="registration：补办登记逾期；aid：先行救助超过时限；不填为两者"
    )
    township: str | None = Field(None, pattern=CODE, description="受理乡镇（街道）")


@router.get(
    "/cases/emergency-aid/late",
    response=responses(list[LateEmergencyAidOut], read_only=True),
    summary="急难先行救助异常：补办登记逾期或救助超过时限（P8，分页）",
)
@paginate(PageNumber)
def emergency_late(request: AuthenticatedHttpRequest, f: Query[LateEmergencyFilter]):
    return selectors.late_emergency_aids(request.user, kind=f.kind or "", township=f.township or "")


class CaseIn(Schema):
    household_id: Id
    assistance_type: AssistanceType
    applicant_id: Id
    applied_on: date
    reason: str = Field(..., min_length=1, max_length=4000)
    requested_amount: str | None = Field(None, max_length=20)
    township_code: str | None = Field(None, pattern=CODE)


def _case_input(request: AuthenticatedHttpRequest, payload: CaseIn):
    household = registry.get_household(request.user, payload.household_id)
    applicant = household.members.filter(pk=payload.applicant_id).first()
    if applicant is None:
        raise ValidationFailed("申请人须为本户成员", field_errors={"applicant_id": "不属于本户"})
    return household, intake.CaseInput(
        assistance_type=payload.assistance_type,
        applicant=applicant,
        applied_on=payload.applied_on,
        reason=payload.reason,
        requested_amount=payload.requested_amount,
        township_code=payload.township_code or "",
    )


@router.post("/cases", response=responses(CaseDetailOut, status=201), summary="登记申请（窗口/村代办）")
def case_create(request: AuthenticatedHttpRequest, payload: CaseIn):

    household, data = _case_input(request, payload)
    channel = Channel.VILLAGE if authz.roles(request.user) == {Role.VILLAGE_ASSISTANT} else Channel.COUNTER
    case = intake.case_create(by=request.user, household=household, data=data, channel=channel)
    return Status(201, detail(request, case))


class FromDiscoveryIn(CaseIn):
    discovery_id: Id
    consent_on: date


@router.post(
    "/cases/from-discovery", response=responses(CaseDetailOut, status=201), summary="主动发现转为申请（A2）"
)
def case_from_discovery(request: AuthenticatedHttpRequest, payload: FromDiscoveryIn):
    report = registry.get_discovery(request.user, payload.discovery_id)
    household, data = _case_input(request, payload)
    case = intake.case_from_discovery(
        by=request.user, report=report, household=household, data=data, consent_on=payload.consent_on
    )
    return Status(201, detail(request, case))


class OnlineIn(Schema):
    area_code: str = Field(..., pattern=CODE, description="居住村（社区）")
    address: str = Field(..., min_length=1, max_length=200)
    phone: str = Field(..., min_length=5, max_length=20)
    hukou_area_code: str = Field("", max_length=12)
    members: list[MemberIn] = Field(..., min_length=1, max_length=30)
    assistance_type: AssistanceType
    reason: str = Field(..., min_length=1, max_length=4000)
    requested_amount: str | None = Field(None, max_length=20)
    consent_verification: bool = Field(..., description="同意家庭经济状况核对授权")
    consent_commitment: bool = Field(..., description="签署承诺书（收入、财产、成员、近亲属情况属实）")


@router.post(
    "/applications/online", response=responses(CaseDetailOut, status=201), summary="网上申请（含家庭信息）"
)
def online_submit(request: AuthenticatedHttpRequest, payload: OnlineIn):
    case = online.submit(
        by=request.user,
        data=online.OnlineApplication(
            area_code=payload.area_code,
            address=payload.address,
            phone=payload.phone,
            hukou_area_code=payload.hukou_area_code,
            members=[m.to_input() for m in payload.members],
            assistance_type=payload.assistance_type,
            reason=payload.reason,
            requested_amount=payload.requested_amount,
            consent_verification=payload.consent_verification,
            consent_commitment=payload.consent_commitment,
        ),
    )
    return Status(201, detail(request, case))


class RequirementOut(Schema):
    id: int
    assistance_type: str
    code: str
    name: str
    required: bool
    shared: bool
    per_member: bool
    note: str


@router.get(
    "/material-requirements",
    response=responses(list[RequirementOut], read_only=True),
    summary="申请材料清单（A3）",
)
def requirement_list(
    request: AuthenticatedHttpRequest,
    assistance_type: AssistanceType,
    county: str = Query("", pattern=r"^(\d{12})?$"),
):
    return requirements_for(assistance_type, county)


class MaterialIn(Schema):
    requirement_id: Id
    member_id: Id | None = None
    received_on: date
    note: str = Field("", max_length=200)


@router.post(
    "/cases/{case_id}/materials", response=responses(CaseDetailOut, status=201), summary="登记收到材料"
)
def material_receive(request: AuthenticatedHttpRequest, case_id: Id, payload: MaterialIn):
    case = selectors.get_case(request.user, case_id)
    intake.material_receive(
        by=request.user,
        case=case,
        requirement=selectors.requirement(payload.requirement_id),
        member=selectors.household_member(case, payload.member_id),
        received_on=payload.received_on,
        note=payload.note,
    )
    return Status(201, detail(request, case))


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


@router.delete(
    "/cases/{case_id}/materials/{material_id}", response=responses(CaseDetailOut), summary="撤销材料登记"
)
def material_remove(
    request: AuthenticatedHttpRequest, case_id: Id, material_id: Id, reason: str = Query(..., min_length=1)
):
    case = selectors.get_case(request.user, case_id)
    material = selectors.material_of(case, material_id)
    intake.material_remove(by=request.user, material=material, reason=reason)
    return detail(request, case)


class SignatureIn(Schema):
    member_id: Id
    kind: SignatureKind
    signed_on: date


@router.post("/cases/{case_id}/signatures", response=responses(CaseDetailOut, status=201), summary="登记签署")
def signature_record(request: AuthenticatedHttpRequest, case_id: Id, payload: SignatureIn):
    case = selectors.get_case(request.user, case_id)
    member = selectors.household_member(case, payload.member_id)
    if member is None:
        raise ValidationFailed("签署人须为本户成员", field_errors={"member_id": "不属于本户"})
    intake.signature_record(
        by=request.user, case=case, member=member, kind=payload.kind, signed_on=payload.signed_on
    )
    return Status(201, detail(request, case))


@router.post(
    "/cases/{case_id}/notify-missing",
    response=responses(NoticeOut, status=201),
    summary="出具一次性告知书（A4）",
)
def notify_missing(request: AuthenticatedHttpRequest, case_id: Id):
    case = selectors.get_case(request.user, case_id)
    return Status(201, intake.notify_missing(by=request.user, case=case))


class RefuseIn(Schema):
    reasons: list[str] = Field(..., min_length=1, max_length=20)


@router.post("/cases/{case_id}/refuse", response=responses(NoticeOut, status=201), summary="不予受理（A4）")
def refuse(request: AuthenticatedHttpRequest, case_id: Id, payload: RefuseIn):
    case = selectors.get_case(request.user, case_id)
    return Status(201, intake.refuse(by=request.user, case=case, reasons=payload.reasons))


class AcceptIn(Schema):
    accepted_on: date
    version: int | None = None


@router.post("/cases/{case_id}/accept", response=responses(CaseDetailOut), summary="受理")
def accept(request: AuthenticatedHttpRequest, case_id: Id, payload: AcceptIn):
    case = selectors.get_case(request.user, case_id)
    intake.accept(
        by=request.user, case=case, accepted_on=payload.accepted_on, expected_version=payload.version
    )
    return detail(request, case)


class WithdrawIn(Schema):
    on: date
    reason: str = Field(..., min_length=1, max_length=200)


@router.post("/cases/{case_id}/withdraw", response=responses(CaseDetailOut), summary="撤回申请")
def withdraw(request: AuthenticatedHttpRequest, case_id: Id, payload: WithdrawIn):
    case = selectors.get_case(request.user, case_id)
    intake.withdraw(by=request.user, case=case, on=payload.on, reason=payload.reason)
    return detail(request, case)


@router.post("/cases/{case_id}/checks", response=responses(list[CheckOut]), summary="重新运行受理检查")
def rerun_checks(request: AuthenticatedHttpRequest, case_id: Id):
    case = selectors.get_case(request.user, case_id)
    return intake.rerun_checks(by=request.user, case=case)


class FilingIn(Schema):
    relative_id: Id
    filed_on: date
    note: str = Field(..., min_length=1, max_length=300)


@router.post(
    "/cases/{case_id}/filings", response=responses(CaseDetailOut, status=201), summary="近亲属备案（DM2）"
)
def file_near_relative(request: AuthenticatedHttpRequest, case_id: Id, payload: FilingIn):
    case = selectors.get_case(request.user, case_id)
    relative = selectors.near_relative_of(case, payload.relative_id)
    intake.file_near_relative(
        by=request.user, case=case, relative=relative, filed_on=payload.filed_on, note=payload.note
    )
    return Status(201, detail(request, case))
