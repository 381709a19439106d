"""API: the household file (AR1) with its completeness check, custody of paper files, archive downloads,
and the public notice boards (P2, S12)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from jiuzhu.api.schemas import JobState, Word, responses
from jiuzhu.archive import boards, completeness, custody, hooks, selectors, services
from jiuzhu.archive import household_file as hf
from jiuzhu.core import jobs
from jiuzhu.core.errors import NotFound, ValidationFailed
from jiuzhu.core.models import Job
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import Jurisdiction
from jiuzhu.orgs.selectors import county_bureau
from jiuzhu.registry.reads import household_read
from jiuzhu.registry.selectors import get_household

router = Router(tags=["一户一档与公示栏"])


# --- the household file --------------------------------------------------------------------------------


class EntryOut(Schema):
    at: datetime
    kind: str = Field(
        ..., description="document 文书；attachment 附件；decision 审批决定；custody 档案保管；event 办理记录"
    )
    kind_label: str
    title: str
    detail: str
    case_id: int | None
    case_number: str | None
    number: str = Field("", description="文号（文书）")
    sha256: str = Field("", description="归档时记录的 SHA-256（文书 PDF、附件）")
    size: int | None
    revoked: bool
    document_id: int | None = None
    attachment_id: int | None = None


class ItemOut(Schema):
    code: str
    label: str
    rule: str
    status: str = Field(..., description="ok 齐全；missing 缺失；pending 未到该环节；na 不适用")
    status_label: str
    note: str
    fix_url: str


class CaseCheckOut(Schema):
    case_id: int
    case_number: str
    status: str
    items: list[ItemOut]


class CompletenessOut(Schema):
    complete: bool
    missing: int
    household_items: list[ItemOut]
    cases: list[CaseCheckOut]


class CustodyOut(Schema):
    custodian_id: int | None
    custodian: str | None
    since: date | None
    location: str
    version: int | None
    history: list[dict]


class FileSectionRowOut(Schema):
    on: date
    kind: str = Field(..., description="类别（中文）")
    title: str
    department: str
    amount: str = Field("", description="金额（已格式化），救助发放时有")
    detail: str
    url: str


class FileSectionOut(Schema):
    key: str = Field(..., description="如 chain：一户一条救助链")
    title: str
    note: str
    warnings: list[str] = Field(..., description="提示，如同一需求在预警期内两次救助")
    rows: list[FileSectionRowOut] = Field(..., description="按日期排列")


class HouseholdFileOut(Schema):
    household_id: int
    head: str
    entries: list[EntryOut]
    completeness: CompletenessOut
    custody: CustodyOut
    sections: list[FileSectionOut] = Field(
        ..., description="其他业务登记到档案中的部分（如动态监测的救助链），不受类别和日期筛选影响"
    )


class FileQuery(Schema):
    kind: list[str] | None = Field(None, description="类别，可多选")
    case: int | None = Field(None, description="申请 id；0 为家庭本身")
    date_from: date | None = Field(None, description="归档日期起")
    date_to: date | None = Field(None, description="归档日期止")


def _entry(e: hf.Entry) -> dict:
    return {
        "at": e.at,
        "kind": e.kind,
        "kind_label": e.kind_label,
        "title": e.title,
        "detail": e.detail,
        "case_id": e.case.pk if e.case else None,
        "case_number": e.case.number if e.case else None,
        "number": e.number,
        "sha256": e.sha256,
        "size": e.size,
        "revoked": e.revoked,
        "document_id": e.obj.pk if e.kind == hf.DOCUMENT else None,
        "attachment_id": e.obj.pk if e.kind == hf.ATTACHMENT else None,
    }


def _item(i: completeness.Item) -> dict:
    return {
        "code": i.code,
        "label": i.label,
        "rule": i.rule,
        "status": i.status,
        "status_label": i.status_label,
        "note": i.note,
        "fix_url": i.fix_url,
    }


def _completeness(check: completeness.Completeness) -> dict:
    return {
        "complete": check.complete,
        "missing": len(check.missing),
        "household_items": [_item(i) for i in check.household_items],
        "cases": [
            {
                "case_id": c.case.pk,
                "case_number": c.case.number,
                "status": c.case.status,
                "items": [_item(i) for i in c.items],
            }
            for c in check.cases
        ],
    }


def _custody(household) -> dict:
    current = custody.current_custody(household)
    return {
        "custodian_id": current.custodian_id if current else None,
        "custodian": current.custodian.name if current else None,
        "since": current.since if current else None,
        "location": current.location if current else "",
        "version": current.version if current else None,
        "history": [
            {
                "on": t.on,
                "from": t.from_org.name if t.from_org else None,
                "to": t.to_org.name,
                "reason": t.reason,
                "batch_id": t.batch_id,
            }
            for t in custody.history(household)
        ],
    }


@router.get(
    "/households/{household_id}/file",
    response=responses(HouseholdFileOut, read_only=True),
    summary="一户一档：全部文书、附件、决定和办理记录（按时间），完整性核查，档案保管",
)
def household_file(request: AuthenticatedHttpRequest, household_id: int, q: Query[FileQuery]):
    household = get_household(request.user, household_id)
    household_read(by=request.user, household=household)  # the whole file: logged like a reveal (PI1)
    filters = hf.Filters(
        kinds=frozenset(k for k in (q.kind or []) if k in hf.ENTRY_KIND_LABELS),
        case_id=q.case,
        start=q.date_from,
        end=q.date_to,
    )
    cases = hf.cases_of(household)
    return {
        "household_id": household.pk,
        "head": household.head_name,
        "entries": [_entry(e) for e in hf.entries(request.user, household, filters)],
        "completeness": _completeness(completeness.check_household(household, cases)),
        "custody": _custody(household),
        "sections": hooks.sections_for(request.user, household),
    }


@router.get(
    "/households/{household_id}/file/completeness",
    response=responses(CompletenessOut, read_only=True),
    summary="档案完整性核查（S3）",
)
def household_completeness(request: AuthenticatedHttpRequest, household_id: int):
    household = get_household(request.user, household_id)
    return _completeness(completeness.check_household(household, hf.cases_of(household)))


# --- custody -------------------------------------------------------------------------------------------


@router.get(
    "/households/{household_id}/custody",
    response=responses(CustodyOut, read_only=True),
    summary="纸质档案保管情况",
)
def household_custody(request: AuthenticatedHttpRequest, household_id: int):
    return _custody(get_household(request.user, household_id))


class CustodyIn(Schema):
    custodian_id: int = Field(..., description="保管单位（所在乡镇（街道）或县（区）民政局）")
    on: date
    reason: str = Field("", max_length=200, description="移交原因（移交时必填）")
    location: str = Field("", max_length=100)
    version: int | None = Field(None, description="当前版本号（防止并发修改）")


@router.post(
    "/households/{household_id}/custody",
    response=responses(CustodyOut, status=201),
    summary="登记或移交纸质档案（记入审计日志）",
)
def household_custody_transfer(request: AuthenticatedHttpRequest, household_id: int, payload: CustodyIn):
    household = get_household(request.user, household_id)
    to = next((o for o in custody.custodians_for(household) if o.pk == payload.custodian_id), None)
    if to is None:
        raise ValidationFailed(
            "只能由所在乡镇（街道）或县（区）民政局保管", field_errors={"custodian_id": "不可选"}
        )
    custody.custody_transfer(
        by=request.user,
        household=household,
        to=to,
        on=payload.on,
        reason=payload.reason,
        location=payload.location,
        expected_version=payload.version,
    )
    return Status(201, _custody(household))


class BulkIn(Schema):
    county_code: str = Field(..., min_length=12, max_length=12)
    on: date
    basis: str = Field(..., min_length=1, max_length=200)
    urban_rural: Word = Field("urban", description="urban 城市；rural 农村；空为全部")
    township_codes: list[Word] = Field(default_factory=list)


class BatchOut(Schema):
    id: int
    county_code: str
    from_org: str
    on: date
    basis: str
    moved: int
    skipped: int


@router.post(
    "/custody/bulk-transfer",
    response=responses(BatchOut, status=201),
    summary="档案批量移交：县（区）民政局保管的档案移交各乡镇（街道）",
)
def custody_bulk(request: AuthenticatedHttpRequest, payload: BulkIn):
    county = Jurisdiction.objects.filter(code=payload.county_code).first()
    if county is None:
        raise NotFound()
    bureau = county_bureau(county.code)
    if bureau is None:
        raise NotFound("本县（区）没有登记民政局机构")
    batch = custody.custody_bulk_transfer(
        by=request.user,
        county=county,
        from_org=bureau,
        on=payload.on,
        basis=payload.basis,
        urban_rural=payload.urban_rural,
        township_codes=payload.township_codes,
    )
    return Status(
        201,
        {
            "id": batch.pk,
            "county_code": batch.county_code,
            "from_org": bureau.name,
            "on": batch.on,
            "basis": batch.basis,
            "moved": batch.moved,
            "skipped": batch.skipped,
        },
    )


# --- archive downloads ---------------------------------------------------------------------------------


class BundleOut(JobState):
    id: int
    status: str
    phase: str
    done: int
    total: int
    percent: int
    error: str
    result: dict


def _bundle(job: Job) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "phase": job.phase,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "error": job.error,
        "result": {k: v for k, v in job.result.items() if k != "path"},
        "interrupted": job.interrupted,
        "queue_position": jobs.queue_position(job),
        "worker_running": _worker_running(job),
    }


def _worker_running(job: Job) -> bool | None:
    status = jobs.worker_status()
    return None if job.finished or not status.needed else status.alive > 0


@router.post(
    "/households/{household_id}/archive",
    response=responses(BundleOut, status=202),
    summary="生成家庭档案包（后台任务：zip，含 PDF 目录）",
)
def bundle_request(request: AuthenticatedHttpRequest, household_id: int):
    job = services.bundle_request(by=request.user, household=get_household(request.user, household_id))
    job.refresh_from_db()
    return Status(202, _bundle(job))


@router.get("/archive-jobs/{job_id}", response=responses(BundleOut, read_only=True), summary="档案包进度")
def bundle_job(request: AuthenticatedHttpRequest, job_id: int):
    return _bundle(selectors.get_bundle_job(request.user, job_id))


@router.get(
    "/archive-jobs/{job_id}/download",
    response=responses(None, read_only=True),
    summary="下载档案包（记入审计日志）",
    openapi_extra={"responses": {200: {"description": "zip", "content": {"application/zip": {}}}}},
)
def bundle_download(request: AuthenticatedHttpRequest, job_id: int):
    job = selectors.get_bundle_job(request.user, job_id)
    response = FileResponse(services.bundle_open(by=request.user, job=job), content_type="application/zip")
    name = job.result.get("filename") or f"archive-{job.pk}.zip"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# --- notice boards -------------------------------------------------------------------------------------


class NoticeRowOut(Schema):
    name: str = Field(..., description="户主（已脱敏；户主未成年为“某户”）")
    assistance: str
    people: int | None
    amount: Decimal | None
    start_on: date
    end_on: date


class RecipientRowOut(Schema):
    name: str = Field(..., description="户主（已脱敏；户主未成年为“某户”）")
    assistance: str
    people: int | None
    amount: Decimal | None
    since: date | None


class BoardOut(Schema):
    village_code: str
    village: str
    township: str
    county: str
    on: date
    hotline: str
    notices: list[NoticeRowOut]
    recipients: list[RecipientRowOut]


@router.get(
    "/boards/{code}",
    auth=None,
    response=responses(BoardOut, read_only=True),
    summary="村（居）公示栏（免登录，只含脱敏信息）",
)
def board(request: HttpRequest, code: str):
    b = boards.board_for(code)
    return {
        "village_code": b.village.code,
        "village": b.village.name,
        "township": b.township.name if b.township else "",
        "county": b.county.name if b.county else "",
        "on": b.on,
        "hotline": b.hotline,
        "notices": [vars(r) for r in b.notices],
        "recipients": [vars(r) for r in b.recipients],
    }


class PrintedOut(Schema):
    document_id: int
    number: str
    title: str
    pdf_url: str


@router.post(
    "/boards/{code}/print",
    response=responses(PrintedOut, status=201),
    summary="生成公示栏 PDF（带文号和核验二维码，供张贴）",
)
def board_print(request: AuthenticatedHttpRequest, code: str):
    village = selectors.get_village(request.user, code)
    document = services.board_issue(by=request.user, village=village)
    return Status(
        201,
        {
            "document_id": document.pk,
            "number": document.number,
            "title": document.title,
            "pdf_url": f"/api/v1/documents/{document.pk}/pdf",
        },
    )
