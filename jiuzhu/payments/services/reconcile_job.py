"""The import of the bank's results as a background job (S11): what can be checked at once is checked at
upload (the same messages as `reconcile`, nothing stored on refusal), then the file is stored and imported
by a worker with progress; the job's result counts the rows and lists every bad one."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django_tasks import task

from jiuzhu.core import jobs
from jiuzhu.core.dates import month_start
from jiuzhu.core.errors import RECOVERABLE, Forbidden, NotFound, ValidationFailed
from jiuzhu.core.models import Job
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.payments.selectors import RECONCILE_KIND
from jiuzhu.payments.services import bad_rows
from jiuzhu.payments.services.bank_results import ReconcileOutcome, bank_rows
from jiuzhu.payments.services.reconciliation import reconcile
from jiuzhu.payments.statistics import consistency


def reconcile_start(
    *,
    by: User,
    county_code: str,
    month: date,
    file_name: str,
    content: bytes | UploadedFile,
    partial: bool = False,
) -> Job:
    """Check what can be checked at once (role and scope, the file's type, size and two columns: the same
    messages as `reconcile`, nothing stored on refusal), store the file and queue the import as a job
    (`reconcile_bank_results`) after commit. Returns the job, whose page shows the progress."""
    authz.require(by, Perm.RECONCILE, county_code)
    if month != month_start(month):
        raise ValidationFailed("月份应为某月1日", field_errors={"month": "格式不正确"})
    with bank_rows(file_name, content):  # the header; for an xlsx this parses the sheet: seconds
        pass
    upload = content if isinstance(content, UploadedFile) else SimpleUploadedFile(file_name, content)
    with transaction.atomic():
        job = jobs.create(
            by=by,
            kind=RECONCILE_KIND,
            area_code=county_code,
            params={"month": month.isoformat(), "filename": file_name, "partial": partial},
            upload=upload,
        )
        jobs.enqueue(reconcile_bank_results, job)
    return job


@task()
def reconcile_bank_results(job_id: int) -> None:
    jobs.run(job_id, _reconcile)


def _reconcile(job: Job) -> dict[str, Any]:
    """`reconcile` on the stored file. A refusal (rows that cannot be used, an unreadable file) is an
    outcome the user acts on, like the household import's: the job is done, `committed` is false, and the
    result lists every bad row. Anything else fails the job."""
    month = date.fromisoformat(job.params["month"])

    def progress(phase: str, done: int, total: int) -> None:
        jobs.progress(job.pk, phase=phase, done=done, total=total)

    outcome = ReconcileOutcome()
    uploader = job.created_by
    try:
        if uploader is None:  # the account was removed since the upload
            raise Forbidden()
        with job.file.open("rb") as fh:
            record = reconcile(
                by=uploader,
                county_code=job.area_code,
                month=month,
                file_name=job.params["filename"],
                content=fh,
                partial=job.params.get("partial", False),
                progress=progress,
                outcome=outcome,
            )
    except RECOVERABLE as exc:
        return _result(job, month, outcome, committed=False, message=exc.message)
    except (Forbidden, NotFound):
        # Checked at upload; "not found" would puzzle whoever reads the failed job.
        raise Forbidden("上传人已无权导入该县（区）的银行回盘（岗位或辖区已变更），未作任何更改") from None
    message = f"已导入回盘：成功 {record.paid} 笔，失败 {record.failed} 笔，未匹配 {record.unmatched} 笔"
    return _result(job, month, outcome, committed=True, message=message, reconciliation=record.pk)


def _result(
    job: Job,
    month: date,
    outcome: ReconcileOutcome,
    *,
    committed: bool,
    message: str,
    reconciliation: int | None = None,
) -> dict[str, Any]:
    s11 = consistency(job.area_code, month)
    rows_file = ""
    if len(outcome.bad_rows) > bad_rows.BAD_ROWS_SHOWN:
        jobs.progress(job.pk, phase="整理需要核实的行")
        rows_file = bad_rows.save_bad_rows(job.pk, month, outcome.bad_rows, refused=not committed)
    return {
        "committed": committed,
        "message": message,
        "reconciliation": reconciliation,
        "rows": outcome.rows,
        "paid": outcome.paid,
        "failed": outcome.failed,
        "unmatched": outcome.unmatched,
        "unusable": outcome.unusable,
        "inconsistent": outcome.inconsistent,
        "consistency": {
            "entries": s11.entries,
            "consistent": s11.consistent,
            "failed": s11.failed,
            "pending": s11.pending,
            "rate": str(s11.rate),
        },
        # Every bad row, as [line, reference, kind, value, listed]: a short list each, for 10⁶ of them.
        "bad_rows": [list(b) for b in outcome.bad_rows],
        "rows_file": rows_file,  # their Excel, when the page cannot list them all
    }
