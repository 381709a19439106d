"""API: the supervision steps the pages offer beyond `api.py` (issue 6 item 9) — complaint handling, finding
rectification and closing, letters and reports as PDF, temporary-aid funds (S10), training records, scan jobs
and the township's supervision queue. Same services and scoped selectors as the pages; same 403/404 rules."""

from datetime import date, datetime
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jiuzhu.api.schemas import Id, PageNumber, responses
from jiuzhu.core import clock
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.documents import rendering
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision import kpis, selectors
from jiuzhu.supervision.api import (
    CODE,
    AlertOut,
    ComplaintDetailOut,
    ComplaintOut,
    FindingOut,
    NoteIn,
    ScanJobOut,
)
from jiuzhu.supervision.models import InvestigationMethod, MatterStep, Satisfaction, Severity
from jiuzhu.supervision.services import capacity, complaints, escalation, inspections

router = Router(tags=["监督管理"])


# --- complaints (S8): assign → investigate → reply → return visit (closes) ------------------------------


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
def complaint_assign(request: HttpRequest, complaint_id: Id, payload: ComplaintAssignIn):
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
def complaint_investigate(request: HttpRequest, complaint_id: Id, payload: ComplaintInvestigateIn):
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
def complaint_reply(request: HttpRequest, complaint_id: Id, payload: ComplaintReplyIn):
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
def complaint_return_visit(request: HttpRequest, complaint_id: Id, payload: ComplaintVisitIn):
    complaint = selectors.get_complaint(request.user, complaint_id)
    return complaints.complaint_return_visit(
        by=request.user,
        complaint=complaint,
        on=payload.on,
        satisfaction=payload.satisfaction,
        note=payload.note,
        expected_version=payload.version,
    )


# --- findings: the township rectifies, the bureau closes (销号) -----------------------------------------


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
def finding_detail(request: HttpRequest, finding_id: Id):
    return selectors.get_finding(request.user, finding_id)


@router.post(
    "/supervision/findings/{finding_id}/rectify",
    response=responses(FindingDetailOut),
    summary="登记整改情况（乡镇）",
)
def finding_rectify(request: HttpRequest, finding_id: Id, payload: FindingRectifyIn):
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
def finding_close(request: HttpRequest, finding_id: Id, payload: NoteIn):
    finding = selectors.get_finding(request.user, finding_id)
    return inspections.finding_close(by=request.user, finding=finding, note=payload.note)


# --- printable documents: escalation letters (S7) and inspection reports (S1, S3) ---------------------


class SupervisionDocumentOut(Schema):
    document_id: int
    number: str
    title: str
    pdf_url: str = Field(..., description="下载 PDF（需登录，记入审计日志）")
    verify_url: str = Field(..., description="公开核验地址（二维码上的地址）")


def _issued(document) -> dict:
    return {
        "document_id": document.pk,
        "number": document.number,
        "title": document.title,
        "pdf_url": f"/api/v1/documents/{document.pk}/pdf",
        "verify_url": rendering.verify_url(str(document.uuid), document.content_sha256),
    }


@router.post(
    "/supervision/matters/{matter_id}/steps/{step_id}/letter",
    response=responses(SupervisionDocumentOut, status=201),
    summary="出具督办文书 PDF（提示函、通报批评、专项督办函、移送函）",
)
def matter_letter(request: HttpRequest, matter_id: Id, step_id: Id):
    matter = selectors.get_matter(request.user, matter_id)
    step = selectors.get_step(request.user, matter, step_id)
    authz.require(request.user, Perm.SUPERVISE, matter.township_code)  # 403 before "already issued"
    return Status(201, _issued(escalation.letter_issue(by=request.user, step=step)))


@router.post(
    "/supervision/inspections/{inspection_id}/report",
    response=responses(SupervisionDocumentOut, status=201),
    summary="出具检查报告 PDF（检查完成后）",
)
def inspection_report(request: HttpRequest, inspection_id: Id):
    inspection = selectors.get_inspection(request.user, inspection_id)
    authz.require(request.user, Perm.SUPERVISE, inspection.area_code)  # 403 before "not completed"
    return Status(201, _issued(inspections.report_issue(by=request.user, inspection=inspection)))


# --- temporary-aid funds (S10) and training records -----------------------------------------------------


class FundSummaryOut(Schema):
    township_code: str
    township_name: str
    year: int
    allocated: Decimal = Field(..., description="拨付（元）")
    spent: Decimal = Field(..., description="已发放（元）：临时救助审批发放及急难先行救助")
    payments: int = Field(..., description="发放笔数")
    remaining: Decimal = Field(..., description="结余（元）")
    usage_percent: Decimal | None = Field(..., description="使用率（%），未拨付时为空")


class FundAllocationOut(Schema):
    id: int
    county_code: str
    township_code: str
    year: int
    amount: Decimal
    allocated_on: date
    document_no: str
    note: str
    created_at: datetime


class FundAllocationIn(Schema):
    township_code: str = Field(..., pattern=CODE)
    year: int = Field(..., ge=2000, le=2100)
    amount: Decimal = Field(..., max_digits=14, decimal_places=2, description="拨付金额（元），大于零")
    allocated_on: date
    document_no: str = Field("", max_length=60, description="拨付文号")
    note: str = Field("", max_length=200)


@router.get(
    "/supervision/funds",
    response=responses(list[FundSummaryOut], read_only=True),
    summary="临时救助资金：各乡镇拨付、已发放、结余（S10）",
)
def fund_summary(request: HttpRequest, year: int | None = Query(None, ge=2000, le=2100)):
    """One row per township in the user's jurisdiction (as on the funds page); this year by default."""
    year = year or clock.today().year
    townships = list(selectors.townships_for(request.user))
    table = kpis.funds(request.user, townships, year)
    return [
        {
            "township_code": t.code,
            "township_name": t.name,
            "year": year,
            "allocated": row[1],
            "spent": row[2],
            "payments": row[3],
            "remaining": row[4],
            "usage_percent": row[5],
        }
        for t, row in zip(townships, table.rows, strict=True)
    ]


@router.get(
    "/supervision/funds/allocations",
    response=responses(list[FundAllocationOut], read_only=True),
    summary="临时救助资金拨付记录",
)
@paginate(PageNumber)
def allocation_list(
    request: HttpRequest,
    year: int | None = Query(None, ge=2000, le=2100),
    township: str | None = Query(None, pattern=CODE),
):
    qs = selectors.allocations_visible_to(request.user).order_by("-allocated_on", "-id")
    if year:
        qs = qs.filter(year=year)
    if township:
        qs = qs.filter(township_code=township)
    return qs


@router.post(
    "/supervision/funds/allocations",
    response=responses(FundAllocationOut, status=201),
    summary="登记临时救助资金拨付（S10）",
)
def allocation_create(request: HttpRequest, payload: FundAllocationIn):
    return Status(
        201,
        capacity.fund_allocate(
            by=request.user,
            township_code=payload.township_code,
            year=payload.year,
            amount=payload.amount,
            allocated_on=payload.allocated_on,
            document_no=payload.document_no,
            note=payload.note,
        ),
    )


class TrainingOut(Schema):
    id: int
    county_code: str
    held_on: date
    title: str
    organiser: str
    hours: Decimal
    content: str
    attendee_ids: list[int] = Field(..., description="参训工作人员")
    other_attendees: int
    created_at: datetime

    @staticmethod
    def resolve_attendee_ids(obj) -> list[int]:
        return sorted(u.pk for u in obj.attendees.all())


class TrainingIn(Schema):
    county_code: str = Field(..., pattern=CODE)
    held_on: date
    title: str = Field(..., min_length=1, max_length=120)
    organiser: str = Field(..., min_length=1, max_length=120, description="主办单位")
    hours: Decimal = Field(..., max_digits=5, decimal_places=1, description="学时（0–200）")
    content: str = Field("", max_length=4000)
    attendee_ids: list[Id] = Field(default_factory=list, max_length=500, description="本辖区参训工作人员")
    other_attendees: int = Field(0, ge=0, le=100000, description="其他参训人数")


@router.get(
    "/supervision/trainings", response=responses(list[TrainingOut], read_only=True), summary="业务培训记录"
)
@paginate(PageNumber)
def training_list(request: HttpRequest, year: int | None = Query(None, ge=2000, le=2100)):
    qs = selectors.trainings_visible_to(request.user).order_by("-held_on", "-id")
    return qs.filter(held_on__year=year) if year else qs


@router.post("/supervision/trainings", response=responses(TrainingOut, status=201), summary="登记业务培训")
def training_create(request: HttpRequest, payload: TrainingIn):
    authz.require(request.user, Perm.TRAINING_MANAGE, payload.county_code)  # 404/403 before looking up people
    wanted = set(payload.attendee_ids)
    people = list(User.objects.filter(pk__in=wanted, is_active=True).order_by("pk"))
    if len(people) != len(wanted):
        missing = sorted(wanted - {u.pk for u in people})
        raise ValidationFailed(
            "参训人员不存在：" + "、".join(str(i) for i in missing[:5]),
            field_errors={"attendee_ids": "不存在"},
        )
    training = capacity.training_record(
        by=request.user,
        county_code=payload.county_code,
        held_on=payload.held_on,
        title=payload.title,
        organiser=payload.organiser,
        hours=payload.hours,
        content=payload.content,
        attendees=people,
        other_attendees=payload.other_attendees,
    )
    return Status(201, selectors.trainings_visible_to(request.user).get(pk=training.pk))


# --- warning scans as background jobs (S6) --------------------------------------------------------------


@router.get(
    "/supervision/scans/{job_id}",
    response=responses(ScanJobOut, read_only=True),
    summary="预警扫描任务进度与结果",
)
def scan_job(request: HttpRequest, job_id: Id):
    """The job that `POST /supervision/scans` started: poll until status is done or failed."""
    job = selectors.get_scan_job(request.user, job_id)
    return job


# --- the township's supervision queue (督办待办) --------------------------------------------------------


QUEUE_LIMIT = 100


class QueueMatterOut(Schema):
    id: int
    township_code: str
    title: str
    level: str
    status: str
    opened_on: date
    step_id: int = Field(..., description="当前环节（回复时针对它）")
    issued_on: date
    due_on: date = Field(..., description="当前环节的整改时限")
    overdue: bool = Field(..., description="已过整改时限且未回复")
    version: int


class SupervisionQueueOut(Schema):
    today: date
    matter_count: int = Field(..., description="督办中、待乡镇回复的事项数")
    overdue_count: int
    matters: list[QueueMatterOut] = Field(..., description="整改时限最早的在前，至多 100 项")
    alert_count: int
    alerts: list[AlertOut] = Field(..., description="未处理预警，最早发现的在前，至多 100 项")
    finding_count: int
    findings: list[FindingOut] = Field(..., description="待整改问题，至多 100 项")
    complaint_count: int | None = Field(..., description="未答复的投诉举报；无投诉举报办理权限时为空")
    complaints: list[ComplaintOut] = Field(..., description="答复期限最早的在前，至多 100 项")


@router.get(
    "/supervision/queue",
    response=responses(SupervisionQueueOut, read_only=True),
    summary="督办待办（乡镇）：待回复督办、未处理预警、待整改问题、待办投诉举报",
)
def queue(request: HttpRequest):
    """What the page 督办待办 shows. Full lists: `/supervision/matters?status=open&overdue=true`,
    `/supervision/alerts?status=open`, `/supervision/findings?status=open`, `/supervision/complaints`."""
    authz.require(request.user, Perm.WARNING_HANDLE)
    counts = selectors.queue_counts(request.user)
    today = clock.today()
    latest = MatterStep.objects.filter(matter=OuterRef("pk")).order_by("-id")
    matters = list(
        counts["matters"]
        .annotate(current_due=Subquery(latest.values("due_on")[:1]))
        .order_by("current_due", "opened_on", "id")[:QUEUE_LIMIT]
    )
    current: dict[int, MatterStep] = {}
    for step in MatterStep.objects.filter(matter__in=matters).order_by("matter_id", "-id"):
        current.setdefault(step.matter_id, step)
    items = []
    for m in matters:
        step = current[m.pk]
        items.append(
            {
                "id": m.pk,
                "township_code": m.township_code,
                "title": m.title,
                "level": m.level,
                "status": m.status,
                "opened_on": m.opened_on,
                "step_id": step.pk,
                "issued_on": step.issued_on,
                "due_on": step.due_on,
                "overdue": step.answered_on is None and step.overdue_on(today),
                "version": m.version,
            }
        )
    handles_complaints = counts["complaints"] is not None
    return {
        "today": today,
        "matter_count": counts["matters"].count(),
        "overdue_count": counts["overdue"],
        "matters": items,
        "alert_count": counts["alerts"].count(),
        "alerts": list(counts["alerts"].order_by("first_seen_at", "id")[:QUEUE_LIMIT]),
        "finding_count": counts["findings"].count(),
        "findings": list(counts["findings"].order_by("found_on", "id")[:QUEUE_LIMIT]),
        "complaint_count": counts["complaints"].count() if handles_complaints else None,
        "complaints": list(counts["complaints"].order_by("reply_due_on", "id")[:QUEUE_LIMIT])
        if handles_complaints
        else [],
    }
