"""API: warnings (S6) — the rules, the alerts they raise, handling them, and scans run as background jobs."""

from datetime import datetime

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jiuzhu.api.schemas import Id, JobState, PageNumber, responses
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import User
from jiuzhu.supervision import selectors
from jiuzhu.supervision.api.common import CODE, NoteIn
from jiuzhu.supervision.rules import RULES, label_of
from jiuzhu.supervision.services import alerts

router = Router(tags=["监督管理"])


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

    @staticmethod
    def resolve_rule_label(obj) -> str:
        return label_of(obj.rule)


class RuleOut(Schema):
    code: str
    label: str
    rules: str
    severity: str
    description: str
    active: bool
    waiting_for: str


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
def rule_list(request: AuthenticatedHttpRequest):
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
    request: AuthenticatedHttpRequest,
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
def alert_detail(request: AuthenticatedHttpRequest, alert_id: Id):
    return selectors.get_alert(request.user, alert_id)


@router.post("/supervision/alerts/{alert_id}/handle", response=responses(AlertOut), summary="处理预警")
def alert_handle(request: AuthenticatedHttpRequest, alert_id: Id, payload: NoteIn):
    return alerts.alert_handle(
        by=request.user, alert=selectors.get_alert(request.user, alert_id), note=payload.note
    )


@router.post("/supervision/alerts/{alert_id}/assign", response=responses(AlertOut), summary="指派预警")
def alert_assign(request: AuthenticatedHttpRequest, alert_id: Id, payload: AssignIn):
    alert = selectors.get_alert(request.user, alert_id)
    assignee = User.objects.filter(pk=payload.assignee_id, is_active=True).first()
    if assignee is None:
        raise ValidationFailed("指派对象不存在", field_errors={"assignee_id": "不存在"})
    return alerts.alert_assign(by=request.user, alert=alert, assignee=assignee)


@router.post("/supervision/alerts/{alert_id}/reopen", response=responses(AlertOut), summary="重新打开预警")
def alert_reopen(request: AuthenticatedHttpRequest, alert_id: Id, payload: NoteIn):
    return alerts.alert_reopen(
        by=request.user, alert=selectors.get_alert(request.user, alert_id), reason=payload.note
    )


@router.post("/supervision/scans", response=responses(ScanJobOut, status=202), summary="立即扫描（后台任务）")
def scan_request(request: AuthenticatedHttpRequest, payload: ScanIn):
    """Follow the job with `GET /supervision/scans/{id}`."""
    job = alerts.scan_request(by=request.user, area_code=payload.area_code)
    job.refresh_from_db()  # a worker may already have picked it up (tests run it at once)
    return Status(202, job)


@router.get(
    "/supervision/scans/{job_id}",
    response=responses(ScanJobOut, read_only=True),
    summary="预警扫描任务进度与结果",
)
def scan_job(request: AuthenticatedHttpRequest, job_id: Id):
    """The job that `POST /supervision/scans` started: poll until status is done or failed."""
    job = selectors.get_scan_job(request.user, job_id)
    return job
