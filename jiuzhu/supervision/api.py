"""API: supervision (S1–S11). Same services and scoped selectors as the pages; same 403/404 rules."""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jiuzhu.api.schemas import Id, JobState, PageNumber, responses
from jiuzhu.cases import selectors as case_selectors
from jiuzhu.core import clock
from jiuzhu.core.errors import NotFound, ValidationFailed
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision import kpis, selectors
from jiuzhu.supervision.models import ComplaintChannel, SampleKind
from jiuzhu.supervision.rules import RULES
from jiuzhu.supervision.services import alerts, complaints, escalation, inspections, sampling, scores

router = Router(tags=["监督管理"])
CODE = r"^\d{12}$"


class SampleOut(Schema):
    id: int
    kind: str
    county_code: str
    period_start: date
    period_end: date
    source: str
    seed: str
    percent: Decimal
    minimum: int
    population_count: int
    drawn_count: int
    drawn_at: datetime


class SampleItemOut(Schema):
    id: int
    case_id: int | None
    household_id: int
    township_code: str
    position: int


class SampleDetailOut(SampleOut):
    items: list[SampleItemOut]


class SampleIn(Schema):
    kind: SampleKind
    county_code: str = Field(..., pattern=CODE)
    on: date | None = None


class SampleVerifyOut(Schema):
    reproduced: bool
    population_unchanged: bool
    added: int
    removed: int


@router.get("/supervision/samples", response=responses(list[SampleOut], read_only=True), summary="抽查批次")
@paginate(PageNumber)
def sample_list(request: HttpRequest):
    return selectors.samples_visible_to(request.user).order_by("-period_start", "-id")


@router.post(
    "/supervision/samples", response=responses(SampleDetailOut, status=201), summary="抽取抽查对象（S1、S2）"
)
def sample_draw(request: HttpRequest, payload: SampleIn):
    sample = sampling.sample_draw(
        by=request.user, kind=payload.kind, county_code=payload.county_code, on=payload.on
    )
    return Status(201, _sample(sample))


def _sample(sample) -> dict:
    return SampleOut.from_orm(sample).dict() | {"items": list(sample.items.all())}


@router.get(
    "/supervision/samples/{sample_id}",
    response=responses(SampleDetailOut, read_only=True),
    summary="抽查批次详情",
)
def sample_detail(request: HttpRequest, sample_id: Id):
    return _sample(selectors.get_sample(request.user, sample_id))


@router.get(
    "/supervision/samples/{sample_id}/verify",
    response=responses(SampleVerifyOut, read_only=True),
    summary="按随机种子复现核验",
)
def sample_verify(request: HttpRequest, sample_id: Id):
    return sampling.verify(selectors.get_sample(request.user, sample_id)).__dict__


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
def inspection_list(request: HttpRequest):
    return selectors.inspections_visible_to(request.user).order_by("-inspected_on", "-id")


@router.post(
    "/supervision/inspections", response=responses(InspectionDetailOut, status=201), summary="开始检查"
)
def inspection_start(request: HttpRequest, payload: InspectionIn):
    case = case_selectors.get_case(request.user, payload.case_id)
    item = None
    if payload.sample_item_id:
        from jiuzhu.supervision.models import SampleItem

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
def inspection_detail(request: HttpRequest, inspection_id: Id):
    return _inspection(selectors.get_inspection(request.user, inspection_id))


@router.post(
    "/supervision/inspections/{inspection_id}/answers",
    response=responses(InspectionDetailOut),
    summary="填写检查清单",
)
def inspection_answer(request: HttpRequest, inspection_id: Id, payload: AnswersIn):
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
def inspection_complete(request: HttpRequest, inspection_id: Id, payload: CompleteIn):
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
def finding_list(request: HttpRequest, status: str | None = None):
    qs = selectors.findings_visible_to(request.user).order_by("-found_on", "-id")
    return qs.filter(status=status) if status else qs


@router.post("/supervision/findings", response=responses(FindingOut, status=201), summary="记录问题")
def finding_record(request: HttpRequest, payload: FindingIn):
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


class AlertOut(Schema):
    id: int
    rule: str
    rule_label: str
    area_code: str
    township_code: str
    case_id: int | None
    household_id: int | None
    detail: str
    status: str
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    reopened_count: int
    assigned_to_id: int | None
    handle_note: str


class RuleOut(Schema):
    code: str
    label: str
    rules: str
    severity: str
    description: str
    active: bool
    waiting_for: str


class NoteIn(Schema):
    note: str = Field(..., min_length=1, max_length=4000)


class AssignIn(Schema):
    assignee_id: int


class ScanIn(Schema):
    area_code: str = Field(..., pattern=CODE)


class ScanJobOut(JobState):
    id: int
    kind: str
    status: str = Field(..., description="queued 排队中、running 进行中、done 已完成、failed 失败")
    phase: str
    done: int
    total: int
    percent: int
    result: dict = Field(
        ..., description="完成后：scan（扫描记录）、found（发现预警数）、rules（各规则结果）"
    )
    found: int | None = Field(None, description="发现的预警数（完成后）")
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @staticmethod
    def resolve_found(obj) -> int | None:
        found = (obj.result or {}).get("found")
        return found if isinstance(found, int) else None


@router.get("/supervision/rules", response=responses(list[RuleOut], read_only=True), summary="预警规则")
def rule_list(request: HttpRequest):
    selectors.alerts_visible_to(request.user)  # the VIEW permission
    return [
        {
            "code": r.code,
            "label": r.label,
            "rules": r.rules,
            "severity": r.severity,
            "description": r.description,
            "active": r.active,
            "waiting_for": r.waiting_for,
        }
        for r in RULES.values()
    ]


@router.get("/supervision/alerts", response=responses(list[AlertOut], read_only=True), summary="预警")
@paginate(PageNumber)
def alert_list(
    request: HttpRequest,
    status: str | None = None,
    rule: str | None = None,
    township: str | None = Query(None, pattern=CODE),
):
    qs = selectors.alerts_visible_to(request.user).order_by("-last_seen_at", "-id")
    if status:
        qs = qs.filter(status=status)
    if rule:
        qs = qs.filter(rule=rule)
    if township:
        qs = qs.filter(township_code=township)
    return qs


@router.get(
    "/supervision/alerts/{alert_id}", response=responses(AlertOut, read_only=True), summary="预警详情"
)
def alert_detail(request: HttpRequest, alert_id: Id):
    return selectors.get_alert(request.user, alert_id)


@router.post("/supervision/alerts/{alert_id}/handle", response=responses(AlertOut), summary="处理预警")
def alert_handle(request: HttpRequest, alert_id: Id, payload: NoteIn):
    return alerts.alert_handle(
        by=request.user, alert=selectors.get_alert(request.user, alert_id), note=payload.note
    )


@router.post("/supervision/alerts/{alert_id}/assign", response=responses(AlertOut), summary="指派预警")
def alert_assign(request: HttpRequest, alert_id: Id, payload: AssignIn):
    alert = selectors.get_alert(request.user, alert_id)
    assignee = User.objects.filter(pk=payload.assignee_id, is_active=True).first()
    if assignee is None:
        raise ValidationFailed("指派对象不存在", field_errors={"assignee_id": "不存在"})
    return alerts.alert_assign(by=request.user, alert=alert, assignee=assignee)


@router.post("/supervision/alerts/{alert_id}/reopen", response=responses(AlertOut), summary="重新打开预警")
def alert_reopen(request: HttpRequest, alert_id: Id, payload: NoteIn):
    return alerts.alert_reopen(
        by=request.user, alert=selectors.get_alert(request.user, alert_id), reason=payload.note
    )


@router.post("/supervision/scans", response=responses(ScanJobOut, status=202), summary="立即扫描（后台任务）")
def scan_request(request: HttpRequest, payload: ScanIn):
    """Follow the job with `GET /supervision/scans/{id}`."""
    job = alerts.scan_request(by=request.user, area_code=payload.area_code)
    job.refresh_from_db()  # a worker may already have picked it up (tests run it at once)
    return Status(202, job)


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
    request: HttpRequest,
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
def matter_open(request: HttpRequest, payload: MatterIn):
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
def matter_detail(request: HttpRequest, matter_id: Id):
    return _matter(selectors.get_matter(request.user, matter_id))


@router.post(
    "/supervision/matters/{matter_id}/escalate", response=responses(MatterDetailOut), summary="升级督办"
)
def matter_escalate(request: HttpRequest, matter_id: Id, payload: StepIn):
    matter = selectors.get_matter(request.user, matter_id)
    escalation.matter_escalate(by=request.user, matter=matter, step=_step(payload))
    return _matter(selectors.get_matter(request.user, matter_id))


@router.post(
    "/supervision/matters/{matter_id}/answer", response=responses(MatterDetailOut), summary="回复督办（乡镇）"
)
def matter_answer(request: HttpRequest, matter_id: Id, payload: AnswerMatterIn):
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
def matter_close(request: HttpRequest, matter_id: Id, payload: NoteIn):
    matter = selectors.get_matter(request.user, matter_id)
    escalation.matter_close(by=request.user, matter=matter, note=payload.note)
    return _matter(selectors.get_matter(request.user, matter_id))


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
def complaint_list(request: HttpRequest, status: str | None = None):
    qs = selectors.complaints_visible_to(request.user).order_by("-received_on", "-id")
    return qs.filter(status=status) if status else qs


@router.post(
    "/supervision/complaints", response=responses(ComplaintOut, status=201), summary="登记投诉举报（S8）"
)
def complaint_submit(request: HttpRequest, payload: ComplaintIn):
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
def complaint_detail(request: HttpRequest, complaint_id: Id):
    return selectors.get_complaint(request.user, complaint_id)


class ScoreOut(Schema):
    id: int
    township_code: str
    month: date
    score: Decimal
    rank: int
    components: dict


class PointOut(Schema):
    component: str
    points: Decimal
    note: str
    case_id: int | None
    alert_id: int | None
    finding_id: int | None
    complaint_id: int | None


class ScoreDetailOut(ScoreOut):
    points: list[PointOut]


class ComputeIn(Schema):
    county_code: str = Field(..., pattern=CODE)
    month: date


@router.get("/supervision/scores", response=responses(list[ScoreOut], read_only=True), summary="乡镇考评")
def score_list(request: HttpRequest, month: date):
    return list(
        selectors.scorecards_visible_to(request.user).filter(month=month.replace(day=1)).order_by("rank")
    )


@router.post("/supervision/scores", response=responses(list[ScoreOut]), summary="计算乡镇考评（S9）")
def score_compute(request: HttpRequest, payload: ComputeIn):
    return scores.scorecards_compute(by=request.user, county_code=payload.county_code, month=payload.month)


@router.get(
    "/supervision/scores/{card_id}", response=responses(ScoreDetailOut, read_only=True), summary="考评明细"
)
def score_detail(request: HttpRequest, card_id: Id):
    card = selectors.get_scorecard(request.user, card_id)
    return ScoreOut.from_orm(card).dict() | {"points": list(card.points.all())}


class TableOut(Schema):
    code: str
    title: str
    headers: list[str]
    rows: list[list]
    rule: str
    note: str


@router.get(
    "/supervision/kpis", response=responses(list[TableOut], read_only=True), summary="监管指标（S5、S11）"
)
def kpi_tables(request: HttpRequest, year: int | None = Query(None, ge=2000, le=2100)):
    """The dashboard's tables (each chart's numbers), the funds table for `year` (this year by default)."""
    townships = list(selectors.townships_for(request.user))
    tables = [
        kpis.processing_times(request.user, townships),
        kpis.backlog(request.user, townships),
        kpis.problem_data(request.user, townships),
        kpis.ledger_consistency(request.user, townships),
        kpis.coverage(request.user, townships, clock.today()),
        kpis.funds(request.user, townships, year or clock.today().year),
        kpis.staffing(request.user, townships),
    ]
    if authz.can(request.user, Perm.COMPLAINT_HANDLE):
        tables.append(kpis.complaint_trend(request.user))
    return [t.__dict__ for t in tables]
