"""API of payments: the monthly cycle, payroll runs, the ledger, bank files, reconciliation, statistics and
the adjustment table — the same services and selectors as the pages."""

import base64
from datetime import date, datetime
from decimal import Decimal

from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from jiuzhu.api.idempotency import not_idempotent
from jiuzhu.api.schemas import Id, JobState, Line, PageNumber, Paragraph, Word, responses
from jiuzhu.core import clock, params
from jiuzhu.core.dates import add_months, month_start
from jiuzhu.core.errors import NotFound, ValidationFailed
from jiuzhu.core.replica import report_reads
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.orgs.selectors import counties_visible_to
from jiuzhu.payments import cycle, payroll, selectors
from jiuzhu.payments.models import BankFormat, PayrollRun, Reconciliation
from jiuzhu.payments.services import adjustments, back_pay, bank_files, bank_formats, reopening
from jiuzhu.payments.services.reconcile_job import reconcile_start
from jiuzhu.payments.statistics import consistency as consistency_of
from jiuzhu.payments.statistics import statistics as statistics_of

router = Router(tags=["月度发放"])
CODE = r"^\d{12}$"


def _month(value: date) -> date:
    return month_start(value)


def _county(request: AuthenticatedHttpRequest, code: str) -> str:
    """Counties the user works in (township staff: the one above their township)."""
    authz.require(request.user, Perm.VIEW)
    if not counties_visible_to(request.user).filter(code=code).exists():
        raise NotFound()
    return code


class CycleOut(Schema):
    county_code: str
    today: date
    report_day: int
    decision_day: int
    export_day: int
    ledger_day: int
    locked: bool
    lock_reason: str | None
    reopened: bool


@router.get("/payroll/cycle", response=responses(CycleOut, read_only=True), summary="月度周期状态（M1）")
def cycle_status(request: AuthenticatedHttpRequest, county: str = Query(..., pattern=CODE)):
    _county(request, county)
    today = clock.today()
    d = cycle.days(county, today)
    reason = cycle.lock_reason(county, today)
    return {
        "county_code": county,
        "today": today,
        "report_day": d.report,
        "decision_day": d.decision,
        "export_day": d.export,
        "ledger_day": d.ledger,
        "locked": reason is not None,
        "lock_reason": reason,
        "reopened": cycle.reopened(county, month_start(today)),
    }


class ReopenIn(Schema):
    county: str = Field(..., pattern=CODE)
    reason: Paragraph


@router.post(
    "/payroll/cycle/reopen",
    response=responses(CycleOut, status=201),
    summary="民政局重新开放本月（记录原因）",
)
def cycle_reopen(request: AuthenticatedHttpRequest, payload: ReopenIn):
    reopening.reopen(by=request.user, county_code=payload.county, reason=payload.reason)
    return Status(201, cycle_status(request, payload.county))


class CountyIn(Schema):
    county: str = Field(..., pattern=CODE)


@router.post("/payroll/cycle/close", response=responses(CycleOut), summary="关闭重新开放")
def cycle_close(request: AuthenticatedHttpRequest, payload: CountyIn):
    reopening.close_reopen(by=request.user, county_code=payload.county)
    return cycle_status(request, payload.county)


class RunOut(Schema):
    id: int
    county_code: str
    month: date
    status: str
    townships_total: int
    townships_done: int
    entries: int
    total_amount: Decimal
    error: str
    job_id: int | None
    started_at: datetime
    finished_at: datetime | None


class RunIn(Schema):
    county: str = Field(..., pattern=CODE)
    month: date = Field(..., description="发放月份（任一日期，按所在月）")


@router.post(
    "/payroll/runs",
    response=responses(RunOut, status=202),
    summary="生成台账和发放名单（后台任务，轮询进度）",
)
def run_start(request: AuthenticatedHttpRequest, payload: RunIn):
    run = payroll.start(by=request.user, county_code=payload.county, month=_month(payload.month))
    run.refresh_from_db()
    return Status(202, run)


@router.get("/payroll/runs", response=responses(list[RunOut], read_only=True), summary="生成记录")
@paginate(PageNumber)
def run_list(request: AuthenticatedHttpRequest, county: str = Query(..., pattern=CODE)):
    _county(request, county)
    return PayrollRun.objects.filter(county_code=county).order_by("-started_at")


@router.get("/payroll/runs/{run_id}", response=responses(RunOut, read_only=True), summary="生成进度")
def run_detail(request: AuthenticatedHttpRequest, run_id: Id):
    return selectors.get_run(request.user, run_id)


class LedgerEntryOut(Schema):
    id: int
    month: date
    kind: str = Field(..., description="regular 按月发放；back_pay 补发（covers 为所补月份）")
    covers: str
    township_code: str
    area_code: str
    enrolment_id: Id
    household_id: int
    assistance_type: str
    amount: Decimal
    covered_members: int
    recipient_name: str
    id_masked: str
    bank_name: str
    account_masked: str
    basis: str
    gradual_exit: bool = Field(False, description="该月处于渐退期（收入超过标准后继续发放）")
    payment_status: str | None = None
    paid_amount: Decimal | None = None
    failure_reason: str = ""
    reference: str = ""


class LedgerFilter(Schema):
    county: str = Field(..., pattern=CODE)
    month: date
    township: str = Field("", pattern=r"^(\d{12})?$")
    assistance_type: str = ""


@router.get(
    "/payroll/ledger",
    response=responses(list[LedgerEntryOut], read_only=True),
    summary="台账（冻结的月度快照）",
)
@paginate(PageNumber)
def ledger(request: AuthenticatedHttpRequest, f: Query[LedgerFilter]):
    qs = selectors.entries_for(
        request.user, county_code=f.county, month=_month(f.month), township_code=f.township
    )
    if f.assistance_type:
        qs = qs.filter(assistance_type=f.assistance_type)
    return [
        _entry(e) for e in qs.select_related("payment").order_by("township_code", "area_code", "id")[:100_000]
    ]


def _entry(e) -> dict:
    out = LedgerEntryOut.from_orm(e).dict()
    p = getattr(e, "payment", None)
    if p is not None:
        out |= {
            "payment_status": p.status,
            "paid_amount": p.paid_amount,
            "failure_reason": p.failure_reason,
            "reference": bank_files.reference_of(p.id),
        }
    return out


class BankFormatOut(Schema):
    id: int
    county_code: str
    name: str
    columns: list[dict]
    encoding: str
    is_default: bool


@router.get(
    "/payroll/bank-formats", response=responses(list[BankFormatOut], read_only=True), summary="银行文件格式"
)
def format_list(request: AuthenticatedHttpRequest, county: str = Query(..., pattern=CODE)):
    _county(request, county)
    return list(bank_formats.formats_for(county))


class BankFormatIn(Schema):
    county: str = Field(..., pattern=CODE)
    name: Line
    fields: list[Line] = Field(
        ..., description="列字段，按顺序：" + "、".join(f"{k} {v}" for k, v in bank_formats.FIELDS.items())
    )
    headers: dict[str, str] = Field(default_factory=dict, description="字段 → 银行要求的列名（可选）")
    encoding: Word = "gb18030"
    is_default: bool = False


@router.post(
    "/payroll/bank-formats", response=responses(BankFormatOut, status=201), summary="新增银行文件格式"
)
def format_create(request: AuthenticatedHttpRequest, payload: BankFormatIn):
    return Status(
        201,
        bank_formats.bank_format_save(
            by=request.user,
            county_code=payload.county,
            name=payload.name,
            fields=payload.fields,
            headers=payload.headers,
            encoding=payload.encoding,
            is_default=payload.is_default,
        ),
    )


class BankFileIn(Schema):
    county: str = Field(..., pattern=CODE)
    month: date
    bank_format_id: Id
    file_type: Word = Field("xlsx", description="xlsx 或 csv")
    township: str = Field("", pattern=r"^(\d{12})?$", description="只导出一个乡镇（可选）")
    bank: str = Field("", max_length=60, description="只导出在该银行开户的对象（可选）")


class BankFileOut(Schema):
    id: int
    filename: str
    lines: int
    total: Decimal
    sha256: str
    content_base64: str


@router.post(
    "/payroll/bank-files",
    response=responses(BankFileOut, status=201),
    summary="导出银行发放文件（含完整账号，记录日志）",
)
@not_idempotent  # the file holds full account numbers: each export is made (and logged) afresh
def bank_file(request: AuthenticatedHttpRequest, payload: BankFileIn):
    fmt = BankFormat.objects.filter(pk=payload.bank_format_id, county_code__in=["", payload.county]).first()
    if fmt is None:
        raise NotFound("没有该银行文件格式")
    export = bank_files.bank_file_create(
        by=request.user,
        county_code=payload.county,
        month=_month(payload.month),
        bank_format=fmt,
        file_type=payload.file_type,
        township_code=payload.township,
        bank_name=payload.bank,
    )
    return Status(
        201,
        {
            "id": export.bank_file.pk,
            "filename": export.filename,
            "lines": export.bank_file.lines,
            "total": export.bank_file.total,
            "sha256": export.bank_file.sha256,
            "content_base64": base64.b64encode(export.content).decode(),
        },
    )


class ReconciliationOut(Schema):
    id: int
    month: date
    file_name: str
    rows: int
    paid: int
    failed: int
    unmatched: int
    errors: list[str]
    created_at: datetime


class ReconcileJobOut(JobState):
    id: int = Field(..., description="任务编号，用于查询进度")
    status: str = Field(..., description="queued 排队中、running 进行中、done 已完成、failed 失败")
    phase: str
    total: int
    done: int
    percent: int
    params: dict = Field(..., description="month 发放月份、filename 文件名、partial 是否仅导入可用行")
    result: dict = Field(
        ...,
        description="完成后：committed 是否已导入；message 说明；rows、paid、failed、unmatched、unusable（无法"
        "使用的行）、inconsistent（实发金额与名单不一致）；consistency 一致率（S11）；reconciliation 导入记录"
        "编号；bad_rows 每一个需要核实的行 [行号, 参考号, 问题类型, 值, 名单金额]，问题类型 unmatched 参考号"
        "不在名单中、amount 实发金额不是数字、state 状态无法识别、differs 已按实发金额导入但与名单金额不一致",
    )
    error: str
    created_at: datetime
    finished_at: datetime | None


@router.post(
    "/payroll/reconciliations",
    response=responses(ReconcileJobOut, status=202),
    summary="导入银行回盘（参考号、状态、实发金额、失败原因）：后台任务，轮询进度与结果",
)
def reconcile(
    request: AuthenticatedHttpRequest,
    county: Form[Word],
    month: Form[date],
    file: File[UploadedFile],
    partial: Form[bool] = False,
):
    if not len(county) == 12 or not county.isdigit():
        raise ValidationFailed("县（区）代码应为 12 位数字", field_errors={"county": ["格式不正确"]})
    job = reconcile_start(
        by=request.user,
        county_code=county,
        month=_month(month),
        file_name=file.name or "",
        content=file,
        partial=partial,
    )
    job.refresh_from_db()
    return Status(202, job)


@router.get(
    "/payroll/reconciliations/jobs/{job_id}",
    response=responses(ReconcileJobOut, read_only=True),
    summary="回盘导入进度与结果",
)
def reconcile_job(request: AuthenticatedHttpRequest, job_id: Id):
    return selectors.get_reconcile_job(request.user, job_id)


@router.get(
    "/payroll/reconciliations",
    response=responses(list[ReconciliationOut], read_only=True),
    summary="回盘导入记录",
)
@paginate(PageNumber)
def reconciliation_list(request: AuthenticatedHttpRequest, county: str = Query(..., pattern=CODE)):
    authz.require(request.user, Perm.RECONCILE, county)
    return Reconciliation.objects.filter(county_code=county).order_by("-created_at")


class ConsistencyOut(Schema):
    entries: int
    consistent: int
    failed: int
    pending: int
    rate: Decimal
    target: Decimal


@router.get(
    "/payroll/consistency",
    response=responses(ConsistencyOut, read_only=True),
    summary="台账与银行一致率（S11）",
)
def consistency(
    request: AuthenticatedHttpRequest,
    month: date,
    county: str = Query(..., pattern=CODE),
    township: str = Query("", pattern=r"^(\d{12})?$"),
):
    _county(request, county)
    if township and not authz.in_scope(request.user, township):
        raise NotFound()
    if not township and not authz.in_scope(request.user, county):
        raise NotFound("请指定您所在的乡镇（街道）")
    with report_reads():
        c = consistency_of(county, _month(month), township)
    return {
        "entries": c.entries,
        "consistent": c.consistent,
        "failed": c.failed,
        "pending": c.pending,
        "rate": c.rate,
        "target": params.get("quality.ledger_consistency_percent", area_code=county, on=clock.today()),
    }


class StatisticOut(Schema):
    township_code: str
    assistance_type: str
    households: int
    persons: int
    amount: Decimal
    back_pay_lines: int = Field(..., description="其中补发笔数")
    back_pay_amount: Decimal = Field(..., description="其中补发金额")


@router.get(
    "/payroll/statistics",
    response=responses(list[StatisticOut], read_only=True),
    summary="按乡镇×救助类型的户数、人数、金额",
)
def statistics(request: AuthenticatedHttpRequest, month: date, county: str = Query(..., pattern=CODE)):
    with report_reads():
        rows, _computed_at = statistics_of(request.user, county_code=county, month=_month(month))
        return [dict(r, persons=r["persons"] or 0) for r in rows]


class AdjustmentOut(Schema):
    id: int
    township_code: str
    month: date
    changes: int
    late: bool
    document_id: int | None
    submitted_at: datetime


class AdjustmentIn(Schema):
    township: str = Field(..., pattern=CODE)


@router.post(
    "/payroll/adjustment-reports",
    response=responses(AdjustmentOut, status=201),
    summary="上报下月动态调整表（M1，每月报告日前）",
)
def adjustment_submit(request: AuthenticatedHttpRequest, payload: AdjustmentIn):
    month = add_months(month_start(clock.today()), 1)
    return Status(
        201,
        adjustments.adjustment_report_submit(by=request.user, township_code=payload.township, month=month),
    )


# --- 补发 (back pay) --------------------------------------------------------------------------------------


class BackPayOut(Schema):
    id: int
    enrolment_id: int
    household_id: int
    township_code: str
    area_code: str
    reason: str = Field(
        ..., description="late_start 起始月早于首次发放；failed 发放失败重发；suspension 暂停期间补发"
    )
    for_month: date
    amount: Decimal
    status: str = Field(..., description="proposed 待审批；approved 已批准；rejected 不予补发")
    note: str
    paid_in_month: date | None = Field(None, description="补发所在的台账月份（已进入发放名单时）")
    payment_status: str | None = None

    @staticmethod
    def resolve_paid_in_month(obj) -> date | None:
        return obj.entry.month if obj.entry_id else None

    @staticmethod
    def resolve_payment_status(obj) -> str | None:
        payment = getattr(obj.entry, "payment", None) if obj.entry_id else None
        return payment.status if payment else None


class BackPayDecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=1000, description="审批意见；不予补发时必填")


@router.get("/payroll/back-pays", response=responses(list[BackPayOut], read_only=True), summary="补发")
@paginate(PageNumber)
def back_pay_list(request: AuthenticatedHttpRequest, status: str = "", enrolment_id: int | None = None):
    qs = selectors.back_pays_visible_to(request.user).order_by("township_code", "enrolment_id", "for_month")
    if status:
        qs = qs.filter(status=status)
    if enrolment_id:
        qs = qs.filter(enrolment_id=enrolment_id)
    return qs


@router.post(
    "/payroll/back-pays/{enrolment_id}/decide",
    response=responses(list[BackPayOut]),
    summary="民政局审批补发（该对象全部待审批月份）",
)
def back_pay_decide(request: AuthenticatedHttpRequest, enrolment_id: Id, payload: BackPayDecisionIn):
    enrolment = selectors.get_back_pay_enrolment(request.user, enrolment_id)
    return back_pay.back_pay_decide(
        by=request.user, enrolment=enrolment, approve=payload.approve, note=payload.note
    )
