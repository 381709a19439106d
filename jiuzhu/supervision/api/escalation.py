"""API: escalation matters (督办, S7) — opening, escalating, the township's answer, closing, and the letters."""

from datetime import date

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jiuzhu.api.schemas import Id, PageNumber, responses
from jiuzhu.cases import selectors as case_selectors
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision import selectors
from jiuzhu.supervision.api.common import CODE, NoteIn, SupervisionDocumentOut, issued
from jiuzhu.supervision.services import escalation

router = Router(tags=["监督管理"])


class EscalationStepOut(Schema):
    id: int
    level: str
    issued_on: date
    due_on: date
    measures: str
    responsible: str
    content: str
    document_id: int | None
    answered_on: date | None
    answer: str
    review: str


class MatterOut(Schema):
    id: int
    township_code: str
    title: str
    problem: str
    case_id: int | None
    level: str
    status: str
    opened_on: date
    closed_on: date | None
    version: int


class MatterDetailOut(MatterOut):
    steps: list[EscalationStepOut]


class StepIn(Schema):
    level: str
    issued_on: date
    due_on: date | None = None
    measures: str = Field(..., min_length=1, max_length=4000)
    responsible: str = Field(..., min_length=1, max_length=60)
    content: str = Field("", max_length=4000)


class MatterIn(StepIn):
    township_code: str = Field(..., pattern=CODE)
    title: str = Field(..., min_length=1, max_length=120)
    problem: str = Field(..., min_length=1, max_length=4000)
    case_id: int | None = None
    finding_ids: list[int] = []
    alert_ids: list[int] = []


class AnswerMatterIn(Schema):
    answer: str = Field(..., min_length=1, max_length=4000)
    answered_on: date
    version: int | None = None


def _step(d: StepIn) -> escalation.StepInput:
    return escalation.StepInput(d.level, d.issued_on, d.due_on, d.measures, d.responsible, d.content)


def _matter(m) -> dict:
    return MatterOut.from_orm(m).dict() | {"steps": list(m.steps.order_by("id"))}


@router.get("/supervision/matters", response=responses(list[MatterOut], read_only=True), summary="督办事项")
@paginate(PageNumber)
def matter_list(
    request: AuthenticatedHttpRequest,
    status: str | None = None,
    level: str | None = None,
    township: str | None = Query(None, pattern=CODE),
    overdue: bool | None = Query(None, description="true：当前环节已过整改时限且未回复；false：其余"),
):
    qs = selectors.matters_visible_to(request.user).order_by("-opened_on", "-id")
    if status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if township:
        qs = qs.filter(township_code=township)
    if overdue is not None:
        late = escalation.overdue_steps().filter(matter__in=qs).values("matter_id")
        qs = qs.filter(pk__in=late) if overdue else qs.exclude(pk__in=late)
    return qs


@router.post(
    "/supervision/matters", response=responses(MatterDetailOut, status=201), summary="立项督办（S7）"
)
def matter_open(request: AuthenticatedHttpRequest, payload: MatterIn):
    matter = escalation.matter_open(
        by=request.user,
        township_code=payload.township_code,
        title=payload.title,
        problem=payload.problem,
        step=_step(payload),
        case=case_selectors.get_case(request.user, payload.case_id) if payload.case_id else None,
        findings=[selectors.get_finding(request.user, i) for i in payload.finding_ids],
        alerts=[selectors.get_alert(request.user, i) for i in payload.alert_ids],
    )
    return Status(201, _matter(matter))


@router.get(
    "/supervision/matters/{matter_id}",
    response=responses(MatterDetailOut, read_only=True),
    summary="督办详情",
)
def matter_detail(request: AuthenticatedHttpRequest, matter_id: Id):
    return _matter(selectors.get_matter(request.user, matter_id))


@router.post(
    "/supervision/matters/{matter_id}/escalate", response=responses(MatterDetailOut), summary="升级督办"
)
def matter_escalate(request: AuthenticatedHttpRequest, matter_id: Id, payload: StepIn):
    matter = selectors.get_matter(request.user, matter_id)
    escalation.matter_escalate(by=request.user, matter=matter, step=_step(payload))
    return _matter(selectors.get_matter(request.user, matter_id))


@router.post(
    "/supervision/matters/{matter_id}/answer", response=responses(MatterDetailOut), summary="回复督办（乡镇）"
)
def matter_answer(request: AuthenticatedHttpRequest, matter_id: Id, payload: AnswerMatterIn):
    matter = selectors.get_matter(request.user, matter_id)
    escalation.matter_answer(
        by=request.user,
        matter=matter,
        answer=payload.answer,
        answered_on=payload.answered_on,
        expected_version=payload.version,
    )
    return _matter(selectors.get_matter(request.user, matter_id))


@router.post(
    "/supervision/matters/{matter_id}/close", response=responses(MatterDetailOut), summary="办结督办"
)
def matter_close(request: AuthenticatedHttpRequest, matter_id: Id, payload: NoteIn):
    matter = selectors.get_matter(request.user, matter_id)
    escalation.matter_close(by=request.user, matter=matter, note=payload.note)
    return _matter(selectors.get_matter(request.user, matter_id))


@router.post(
    "/supervision/matters/{matter_id}/steps/{step_id}/letter",
    response=responses(SupervisionDocumentOut, status=201),
    summary="出具督办文书 PDF（提示函、通报批评、专项督办函、移送函）",
)
def matter_letter(request: AuthenticatedHttpRequest, matter_id: Id, step_id: Id):
    matter = selectors.get_matter(request.user, matter_id)
    step = selectors.get_step(request.user, matter, step_id)
    authz.require(request.user, Perm.SUPERVISE, matter.township_code)  # 403 before "already issued"
    return Status(201, issued(escalation.letter_issue(by=request.user, step=step)))
