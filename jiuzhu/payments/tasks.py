"""Background work of payments: the payroll run and the import of the bank's results, with progress on
their Job."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django_tasks import task

from jiuzhu.core import jobs
from jiuzhu.core.errors import RECOVERABLE, Forbidden, NotFound
from jiuzhu.core.models import Job

if TYPE_CHECKING:
    from jiuzhu.payments.services import ReconcileOutcome


@task()
def generate_payroll(job_id: int) -> None:
    from jiuzhu.payments import payroll
    from jiuzhu.payments.models import PayrollRun

    def work(job: Job) -> dict:
        run = PayrollRun.objects.get(pk=job.params["run"])
        try:
            return payroll.execute(run)
        except Exception as exc:
            payroll.fail(run.pk, str(exc))
            raise

    jobs.run(job_id, work)


@task()
def reconcile_bank_results(job_id: int) -> None:
    jobs.run(job_id, _reconcile)


def _reconcile(job: Job) -> dict:
    """`services.reconcile` on the stored file. A refusal (rows that cannot be used, an unreadable file) is
    an outcome the user acts on, like the household import's: the job is done, `committed` is false, and
    the result lists every bad row. Anything else fails the job."""
    from jiuzhu.payments import services

    month = date.fromisoformat(job.params["month"])

    def progress(phase: str, done: int, total: int) -> None:
        jobs.progress(job.pk, phase=phase, done=done, total=total)

    outcome = services.ReconcileOutcome()
    try:
        with job.file.open("rb") as fh:
            record = services.reconcile(
                by=job.created_by,
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
    job: Job, month: date, outcome: ReconcileOutcome, *, committed: bool, message: str, reconciliation=None
) -> dict:
    from jiuzhu.payments import services

    s11 = services.consistency(job.area_code, month)
    rows_file = ""
    if len(outcome.bad_rows) > services.BAD_ROWS_SHOWN:
        jobs.progress(job.pk, phase="整理需要核实的行")
        rows_file = services.save_bad_rows(job.pk, month, outcome.bad_rows, refused=not committed)
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
