"""API: inspections with their checklists, the findings they record, the township's rectification and the
bureau's closing (销号), and the inspection report (S1, S3)."""

from datetime import date

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from jiuzhu.api.schemas import Id, PageNumber, responses
from jiuzhu.cases import selectors as case_selectors
from jiuzhu.core.errors import NotFound
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision import selectors
from jiuzhu.supervision.api.common import NoteIn, SupervisionDocumentOut, issued
from jiuzhu.supervision.models import SampleItem
from jiuzhu.supervision.services import inspections

router = Router(tags=["监督管理"])


class InspectionOut(Schema):
    id: int
    case_id: int
    kind: str
    township_code: str
    inspected_on: date
    status: str
    conclusion: str
    version: int


class AnswerOut(Schema):
    id: int
    item_text: str
    result: str
    evidence: str
    note: str


class InspectionDetailOut(InspectionOut):
    answers: list[AnswerOut]


class InspectionIn(Schema):
    case_id: int
    kind: str
    inspected_on: date
    sample_item_id: int | None = None


class AnswerIn(Schema):
    answer_id: int
    result: str = ""
    evidence: str = Field("", max_length=300)
    note: str = Field("", max_length=300)


class AnswersIn(Schema):
    answers: list[AnswerIn]
    version: int | None = None


class CompleteIn(Schema):
    conclusion: str = Field(..., min_length=1, max_length=4000)
    severity: str = "minor"
    version: int | None = None


def _inspection(i) -> dict:
    return InspectionOut.from_orm(i).dict() | {"answers": list(i.answers.all())}


@router.get(
    "/supervision/inspections", response=responses(list[InspectionOut], read_only=True), summary="检查"
)
@paginate(PageNumber)
def inspection_list(request: AuthenticatedHttpRequest):
    return selectors.inspections_visible_to(request.user).order_by("-inspected_on", "-id")


@router.post(
    "/supervision/inspections", response=responses(InspectionDetailOut, status=201), summary="开始检查"
)
def inspection_start(request: AuthenticatedHttpRequest, payload: InspectionIn):
    case = case_selectors.get_case(request.user, payload.case_id)
    item = None
    if payload.sample_item_id:
        item = SampleItem.objects.filter(
            pk=payload.sample_item_id, sample__in=selectors.samples_visible_to(request.user)
        ).first()
        if item is None:
            raise NotFound()
    inspection = inspections.inspection_start(
        by=request.user, case=case, kind=payload.kind, inspected_on=payload.inspected_on, sample_item=item
    )
    return Status(201, _inspection(inspection))


@router.get(
    "/supervision/inspections/{inspection_id}",
    response=responses(InspectionDetailOut, read_only=True),
    summary="检查详情",
)
def inspection_detail(request: AuthenticatedHttpRequest, inspection_id: Id):
    return _inspection(selectors.get_inspection(request.user, inspection_id))


@router.post(
    "/supervision/inspections/{inspection_id}/answers",
    response=responses(InspectionDetailOut),
    summary="填写检查清单",
)
def inspection_answer(request: AuthenticatedHttpRequest, inspection_id: Id, payload: AnswersIn):
    inspection = selectors.get_inspection(request.user, inspection_id)
    inspections.inspection_answer(
        by=request.user,
        inspection=inspection,
        expected_version=payload.version,
        answers=[inspections.AnswerInput(a.answer_id, a.result, a.evidence, a.note) for a in payload.answers],
    )
    return _inspection(selectors.get_inspection(request.user, inspection_id))


@router.post(
    "/supervision/inspections/{inspection_id}/complete",
    response=responses(InspectionDetailOut),
    summary="完成检查",
)
def inspection_complete(request: AuthenticatedHttpRequest, inspection_id: Id, payload: CompleteIn):
    inspection = selectors.get_inspection(request.user, inspection_id)
    inspections.inspection_complete(
        by=request.user,
        inspection=inspection,
        conclusion=payload.conclusion,
        severity=payload.severity,
        expected_version=payload.version,
    )
    return _inspection(selectors.get_inspection(request.user, inspection_id))


class FindingOut(Schema):
    id: int
    source: str
    case_id: int | None
    inspection_id: int | None
    complaint_id: int | None
    township_code: str
    severity: str
    rule: str
    description: str
    found_on: date
    status: str


class FindingIn(Schema):
    description: str = Field(..., min_length=1, max_length=4000)
    severity: str = "minor"
    found_on: date
    case_id: int | None = None
    inspection_id: int | None = None
    township_code: str = Field("", pattern=r"^(\d{12})?$")
    rule: str = Field("", max_length=40)


@router.get("/supervision/findings", response=responses(list[FindingOut], read_only=True), summary="发现问题")
@paginate(PageNumber)
def finding_list(request: AuthenticatedHttpRequest, status: str | None = None):
    qs = selectors.findings_visible_to(request.user).order_by("-found_on", "-id")
    return qs.filter(status=status) if status else qs


@router.post("/supervision/findings", response=responses(FindingOut, status=201), summary="记录问题")
def finding_record(request: AuthenticatedHttpRequest, payload: FindingIn):
    case = case_selectors.get_case(request.user, payload.case_id) if payload.case_id else None
    inspection = (
        selectors.get_inspection(request.user, payload.inspection_id) if payload.inspection_id else None
    )
    finding = inspections.finding_record(
        by=request.user,
        description=payload.description,
        severity=payload.severity,
        found_on=payload.found_on,
        case=case,
        inspection=inspection,
        township_code=payload.township_code,
        rule=payload.rule,
    )
    return Status(201, finding)


class FindingDetailOut(FindingOut):
    rectified_on: date | None
    rectification: str
    matter_ids: list[int] = Field(..., description="据此立项的督办事项")

    @staticmethod
    def resolve_matter_ids(obj) -> list[int]:
        return list(obj.matters.order_by("id").values_list("id", flat=True))


class FindingRectifyIn(Schema):
    rectified_on: date
    rectification: str = Field(..., min_length=1, max_length=4000, description="整改情况")


@router.get(
    "/supervision/findings/{finding_id}",
    response=responses(FindingDetailOut, read_only=True),
    summary="发现问题详情",
)
def finding_detail(request: AuthenticatedHttpRequest, finding_id: Id):
    return selectors.get_finding(request.user, finding_id)


@router.post(
    "/supervision/findings/{finding_id}/rectify",
    response=responses(FindingDetailOut),
    summary="登记整改情况（乡镇）",
)
def finding_rectify(request: AuthenticatedHttpRequest, finding_id: Id, payload: FindingRectifyIn):
    finding = selectors.get_finding(request.user, finding_id)
    return inspections.finding_rectify(
        by=request.user,
        finding=finding,
        rectified_on=payload.rectified_on,
        rectification=payload.rectification,
    )


@router.post(
    "/supervision/findings/{finding_id}/close",
    response=responses(FindingDetailOut),
    summary="问题销号（民政局）",
)
def finding_close(request: AuthenticatedHttpRequest, finding_id: Id, payload: NoteIn):
    finding = selectors.get_finding(request.user, finding_id)
    return inspections.finding_close(by=request.user, finding=finding, note=payload.note)


@router.post(
    "/supervision/inspections/{inspection_id}/report",
    response=responses(SupervisionDocumentOut, status=201),
    summary="出具检查报告 PDF（检查完成后）",
)
def inspection_report(request: AuthenticatedHttpRequest, inspection_id: Id):
    inspection = selectors.get_inspection(request.user, inspection_id)
    authz.require(request.user, Perm.SUPERVISE, inspection.area_code)  # 403 before "not completed"
    return Status(201, issued(inspections.report_issue(by=request.user, inspection=inspection)))
