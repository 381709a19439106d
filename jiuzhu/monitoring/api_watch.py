"""API of the watch part: a department's platform pushes its monthly file (比对), the import job's progress
and bad rows, the monitoring warnings with their verify-then-resolve actions, and the monthly figures.
The same services as the pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import FileResponse
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from jiuzhu.api.schemas import Id, PageNumber, responses
from jiuzhu.core import clock
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.exports import XLSX
from jiuzhu.core.retention import log_download
from jiuzhu.monitoring import watch_report
from jiuzhu.monitoring import watch_services as services
from jiuzhu.monitoring.models.watch import MonitoringWarning, Source
from jiuzhu.monitoring.watch_import import import_commit, import_start, open_error_workbook
from jiuzhu.monitoring.watch_selectors import get_import_job, get_warning, warnings_visible_to
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.registry.api import JobOut

router = Router(tags=["动态监测"])


@router.post(
    "/monitoring/imports",
    response=responses(JobOut, status=202),
    summary="上传比对文件（公安、人社、医保、残联、不动产、市场监管）",
)
def import_upload(
    request: AuthenticatedHttpRequest,
    file: File[UploadedFile],
    source: Source = Query(..., description="数据来源"),  # noqa: B008
    mode: Literal["preview", "all", "good_only"] = Query(
        "preview",
        description="preview：只校验比对不写入；all：有错误行则不生成任何预警；good_only：跳过错误行",
    ),
):
    job = import_start(by=request.user, source=source, upload=file, mode=mode)
    job.refresh_from_db()
    return Status(202, job)


@router.get(
    "/jobs/monitoring-import/{job_id}",
    response=responses(JobOut, read_only=True),
    summary="比对导入进度与结果",
)
def import_job(request: AuthenticatedHttpRequest, job_id: Id):
    return get_import_job(request.user, job_id)


@router.get(
    "/jobs/monitoring-import/{job_id}/errors.xlsx",
    response=responses(None, read_only=True),
    summary="下载比对文件的全部错误行（Excel）",
    openapi_extra={"responses": {200: {"description": "Excel", "content": {XLSX: {}}}}},
)
def import_errors(request: AuthenticatedHttpRequest, job_id: Id):
    job = get_import_job(request.user, job_id)
    fh, filename = open_error_workbook(job)
    log_download(by=request.user, obj=job, area_code=job.area_code, what=filename)
    return FileResponse(fh, as_attachment=True, filename=filename, content_type=XLSX)


class MonitoringCommitIn(Schema):
    mode: str = Field(
        ..., pattern="^(all|good_only)$", description="all：有错误则全部不导入；good_only：跳过错误行"
    )


@router.post(
    "/monitoring/imports/{job_id}/commit", response=responses(JobOut, status=202), summary="确认导入比对结果"
)
def import_commit_api(request: AuthenticatedHttpRequest, job_id: Id, payload: MonitoringCommitIn):
    job = import_commit(by=request.user, preview=get_import_job(request.user, job_id), mode=payload.mode)
    job.refresh_from_db()
    return Status(202, job)


class ReferralOut(Schema):
    need: str
    department: str
    sent_on: date
    note: str
    answered_on: date | None
    answer: str
    granted: bool | None = Field(None, description="部门是否给予救助（未反馈时为空）")
    granted_amount: Decimal | None = Field(None, description="部门给予的救助金额（元）")


class WarningOut(Schema):
    id: int
    number: str
    source: str
    category: str
    record: str
    household_id: int
    member_id: int
    member_id_masked: str = Field(..., alias="member.id_masked")
    area_code: str
    township_code: str
    household_category: str
    event_on: date
    amount: Decimal | None
    detail: str
    period: date
    status: str
    due_on: date
    created_at: datetime
    verified_on: date | None
    verify_method: str
    verify_note: str
    confirmed: bool | None
    resolution: str
    resolution_note: str
    case_number: str | None = None
    review_id: int | None
    referral: ReferralOut | None = None

    @staticmethod
    def resolve_case_number(obj: MonitoringWarning) -> str | None:
        return obj.case.number if obj.case is not None else None

    @staticmethod
    def resolve_referral(obj: MonitoringWarning):
        return getattr(obj, "referral", None)


@router.get("/monitoring/warnings", response=responses(list[WarningOut], read_only=True), summary="监测预警")
@paginate(PageNumber)
def warning_list(
    request: AuthenticatedHttpRequest,
    status: str | None = None,
    source: str | None = None,
    category: str | None = None,
    township: str | None = None,
    household_id: int | None = None,
):
    qs = warnings_visible_to(request.user).select_related("member", "case", "referral")
    for value, field in (
        (status, "status"),
        (source, "source"),
        (category, "category"),
        (township, "township_code"),
        (household_id, "household_id"),
    ):
        if value:
            qs = qs.filter(**{field: value})
    return qs.order_by("-id")


@router.get(
    "/monitoring/warnings/{warning_id}",
    response=responses(WarningOut, read_only=True),
    summary="一条监测预警",
)
def warning_get(request: AuthenticatedHttpRequest, warning_id: Id):
    return get_warning(request.user, warning_id)


class VerifyIn(Schema):
    method: Literal["visit", "phone", "records"]
    on: date
    confirmed: bool
    note: str = Field(..., min_length=1, max_length=4000)


@router.post("/monitoring/warnings/{warning_id}/verify", response=responses(WarningOut), summary="核实")
def warning_verify(request: AuthenticatedHttpRequest, warning_id: Id, payload: VerifyIn):
    w = get_warning(request.user, warning_id)
    services.warning_verify(by=request.user, warning=w, **payload.dict())
    return get_warning(request.user, warning_id)


class EnrolIn(Schema):
    assistance_type: str = Field(..., max_length=20)
    applicant_id: Id | None = None
    reason: str = Field(..., min_length=1, max_length=4000)


@router.post(
    "/monitoring/warnings/{warning_id}/enrol", response=responses(WarningOut), summary="纳入救助（登记申请）"
)
def warning_enrol(request: AuthenticatedHttpRequest, warning_id: Id, payload: EnrolIn):
    w = get_warning(request.user, warning_id)
    applicant = None
    if payload.applicant_id is not None:
        applicant = w.household.members.filter(pk=payload.applicant_id, is_active=True).first()
        if applicant is None:
            raise ValidationFailed("申请人须为本户在户成员", field_errors={"applicant_id": "无效"})
    services.warning_enrol(
        by=request.user,
        warning=w,
        assistance_type=payload.assistance_type,
        applicant=applicant,
        reason=payload.reason,
    )
    return get_warning(request.user, warning_id)


class AdjustIn(Schema):
    outcome: Literal["keep", "increase", "decrease", "stop"]
    findings: str = Field(..., min_length=1, max_length=4000)


@router.post("/monitoring/warnings/{warning_id}/adjust", response=responses(WarningOut), summary="调整待遇")
def warning_adjust(request: AuthenticatedHttpRequest, warning_id: Id, payload: AdjustIn):
    w = get_warning(request.user, warning_id)
    services.warning_adjust(by=request.user, warning=w, outcome=payload.outcome, findings=payload.findings)
    return get_warning(request.user, warning_id)


class ReferIn(Schema):
    need: Literal["medical", "education", "housing", "employment"]
    department: str = Field(..., min_length=1, max_length=60)
    note: str = Field(..., min_length=1, max_length=4000)
    sent_on: date | None = None


@router.post("/monitoring/warnings/{warning_id}/refer", response=responses(WarningOut), summary="转专项救助")
def warning_refer(request: AuthenticatedHttpRequest, warning_id: Id, payload: ReferIn):
    w = get_warning(request.user, warning_id)
    services.warning_refer(
        by=request.user,
        warning=w,
        need=payload.need,
        department=payload.department,
        note=payload.note,
        sent_on=payload.sent_on or clock.today(),
    )
    return get_warning(request.user, warning_id)


class CloseIn(Schema):
    reason: str = Field(..., min_length=1, max_length=4000)


@router.post("/monitoring/warnings/{warning_id}/close", response=responses(WarningOut), summary="无需处理")
def warning_close(request: AuthenticatedHttpRequest, warning_id: Id, payload: CloseIn):
    w = get_warning(request.user, warning_id)
    services.warning_close(by=request.user, warning=w, reason=payload.reason)
    return get_warning(request.user, warning_id)


class ReferralAnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=4000)
    answered_on: date
    granted: bool = Field(..., description="部门是否给予救助（满足了该需求）")
    amount: Decimal | None = Field(None, description="救助金额（元），未发放现金的不填；未给予救助时必须为空")


@router.post(
    "/monitoring/warnings/{warning_id}/referral-answer",
    response=responses(WarningOut),
    summary="登记部门反馈",
)
def referral_answer(request: AuthenticatedHttpRequest, warning_id: Id, payload: ReferralAnswerIn):
    w = get_warning(request.user, warning_id)
    referral = getattr(w, "referral", None)
    if referral is None:
        raise ValidationFailed("该预警未转介专项救助")
    services.referral_answer(
        by=request.user,
        referral=referral,
        answer=payload.answer,
        answered_on=payload.answered_on,
        granted=payload.granted,
        amount=payload.amount,
    )
    return get_warning(request.user, warning_id)


class ReportRowOut(Schema):
    code: str
    name: str
    total: int
    by_source: dict[str, int]
    by_category: dict[str, int]
    verified: int
    verified_on_time: int
    overdue_open: int
    outcomes: dict[str, int]
    enrolled: int
    referrals: int
    referrals_answered: int


class ReportOut(Schema):
    month: date
    rows: list[ReportRowOut]
    total: ReportRowOut


@router.get(
    "/monitoring/report", response=responses(ReportOut, read_only=True), summary="动态监测月报（按乡镇）"
)
def report(request: AuthenticatedHttpRequest, month: str = Query(..., pattern=r"^\d{4}-\d{2}$")):
    year, mon = (int(p) for p in month.split("-"))
    if not (1 <= mon <= 12 and 2000 <= year <= 2200):
        raise ValidationFailed("月份无效", field_errors={"month": "应为 YYYY-MM"})
    return watch_report.month_report(request.user, date(year, mon, 1))
