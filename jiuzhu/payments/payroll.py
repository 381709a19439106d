"""Generating a month's ledger (台账) and payroll for a county (B3, M1, M2).

Set-based: per township, one INSERT … SELECT writes the ledger lines from the enrolments in force that month
and one more writes their payments — no query per household (the few approved 补发 lines are added between
the two, `services.back_pay`). Idempotent: a ledger line is unique per month
and enrolment, a payment per ledger line, and both inserts skip what exists; running twice changes nothing,
and a run killed half-way is completed by the next one. One township per transaction, so progress is
visible while it runs. At most one run per county at a time (a partial unique index), and a run whose
heartbeat went stale (a killed worker) is taken over. The run's task is defined here, next to the work it
runs and the function that queues it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Sum
from django_tasks import task

from jiuzhu.core import audit, clock, jobs
from jiuzhu.core.dates import add_months, month_start
from jiuzhu.core.errors import Conflict, NotFound, ValidationFailed
from jiuzhu.core.models import Job
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.orgs.roles import Perm
from jiuzhu.payments import cycle, statistics
from jiuzhu.payments.models import LedgerEntry, PayrollRun, RunStatus
from jiuzhu.payments.services.back_pay import add_back_pay_lines

KIND = "payroll"

LEDGER_SQL = """
INSERT INTO payments_ledgerentry
    (month, kind, covers, county_code, township_code, area_code, enrolment_id, household_id, assistance_type,
     amount, covered_members, recipient_name, id_masked, bank_name, account_cipher, account_masked, basis,
     gradual_exit, run_id, created_at)
SELECT %(month)s, 'regular', '', e.county_code, e.township_code, e.area_code, e.id, e.household_id, e.assistance_type,
       CASE WHEN e.next_from IS NOT NULL AND e.next_from <= %(month)s THEN e.next_amount ELSE e.amount END,
       e.covered_members, h.head_name, h.head_id_masked, e.bank_name, e.account_cipher, e.account_masked, e.basis,
       (e.gradual_exit_from IS NOT NULL AND e.gradual_exit_from <= %(month)s), %(run)s, %(now)s
FROM benefits_enrolment e
JOIN registry_household h ON h.id = e.household_id
WHERE e.county_code = %(county)s AND e.township_code = %(township)s
  AND e.start_month <= %(month)s
  AND (e.end_month IS NULL OR e.end_month >= %(month)s)
  AND (e.suspended_from IS NULL OR e.suspended_from > %(month)s)
  AND e.account_cipher <> ''
  AND (CASE WHEN e.next_from IS NOT NULL AND e.next_from <= %(month)s THEN e.next_amount ELSE e.amount END) > 0
  AND NOT EXISTS (SELECT 1 FROM payments_backpay b
                  WHERE b.enrolment_id = e.id AND b.for_month = %(month)s AND b.status <> 'rejected')
ON CONFLICT (enrolment_id, month, kind) DO NOTHING
"""

PAYMENT_SQL = """
INSERT INTO payments_payment (entry_id, month, county_code, township_code, amount, status, bank_reference,
                              failure_reason)
SELECT l.id, l.month, l.county_code, l.township_code, l.amount, 'pending', '', ''
FROM payments_ledgerentry l
WHERE l.county_code = %(county)s AND l.month = %(month)s AND l.township_code = %(township)s
ON CONFLICT (entry_id) DO NOTHING
"""

# Tests and benchmarks may interrupt a run between townships to prove it can be resumed.
after_township: list[Callable[[str], None]] = []


def stale_after() -> timedelta:
    return timedelta(minutes=getattr(settings, "PAYROLL_STALE_MINUTES", 10))


def townships_of(county_code: str) -> list[str]:
    return list(
        Jurisdiction.objects.filter(parent_id=county_code, level=Level.TOWNSHIP)
        .order_by("code")
        .values_list("code", flat=True)
    )


def _check_month(county_code: str, month: date) -> None:
    today = clock.today()
    this_month = month_start(today)
    if month != month_start(month):
        raise ValidationFailed("月份应为某月1日", field_errors={"month": "格式不正确"})
    if month > add_months(this_month, 1):
        raise ValidationFailed("只能生成本月或下月的台账", field_errors={"month": "超出范围"})
    if month == add_months(this_month, 1) and today.day < cycle.days(county_code, today).export:
        raise ValidationFailed(
            f"下月台账须在本月{cycle.days(county_code, today).export}日导出发放名单之后生成（M1）",
            field_errors={"month": "尚未到导出日"},
        )


def start(*, by: User, county_code: str, month: date) -> PayrollRun:
    """Open a run (refused while another runs for the county) and queue its work."""
    membership = authz.require(by, Perm.PAYROLL_RUN, county_code)
    _check_month(county_code, month)
    now = clock.now()
    with transaction.atomic():
        stale = (
            PayrollRun.objects.select_for_update()
            .filter(county_code=county_code, status=RunStatus.RUNNING)
            .first()
        )
        if stale is not None:
            if now - stale.heartbeat_at < stale_after():
                raise Conflict(
                    f"{stale.month:%Y年%m月}的台账正在生成（{stale.townships_done}/{stale.townships_total} 个乡镇），"
                    "同一县（区）不能同时生成两次，请稍后刷新"
                )
            stale.status, stale.error, stale.finished_at = RunStatus.FAILED, "进程中断，已由新的生成接续", now
            stale.save(update_fields=["status", "error", "finished_at"])
        job = jobs.create(by=by, kind=KIND, area_code=county_code, params={"month": month.isoformat()})
        try:
            with transaction.atomic():
                run = PayrollRun.objects.create(
                    county_code=county_code,
                    month=month,
                    by=by,
                    job=job,
                    started_at=now,
                    heartbeat_at=now,
                    townships_total=len(townships_of(county_code)),
                )
        except IntegrityError:
            raise Conflict("同一县（区）不能同时生成两次台账，请稍后刷新") from None
        job.params["run"] = run.pk
        job.save(update_fields=["params"])
        audit.record(
            actor=by,
            membership=membership,
            action="payroll.start",
            obj=run,
            area_code=county_code,
            after={"month": month},
        )
    jobs.enqueue(generate_payroll, job)
    return run


@task()
def generate_payroll(job_id: int) -> None:
    """The queued work of a run; a run that fails is marked failed with the reason."""

    def work(job: Job) -> dict[str, str | int]:
        run = PayrollRun.objects.get(pk=job.params["run"])
        try:
            return execute(run)
        except Exception as exc:
            fail(run.pk, str(exc))
            raise

    jobs.run(job_id, work)


def parallel_workers() -> int:
    """How many townships are written at once: one on SQLite (a single writer) and inside a caller's
    transaction (other connections could not see its rows)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, getattr(settings, "PAYROLL_WORKERS", 2))


def _progress(run: PayrollRun, *, done: int, total: int | None = None, phase: str | None = None) -> None:
    """On the run's job, if it still has one (the job row may have been removed; the run stays)."""
    if run.job_id is not None:
        jobs.progress(run.job_id, done=done, total=total, phase=phase)


def _township(run: PayrollRun, township: str) -> None:
    """One township's ledger lines and payments, in one transaction with the run's progress."""
    with transaction.atomic(), connection.cursor() as cursor:
        args: dict[str, Any] = {
            "month": run.month,
            "county": run.county_code,
            "township": township,
            "run": run.pk,
            "now": clock.now(),
        }
        cursor.execute(LEDGER_SQL, args)
        # 补发 approved by the bureau: one line per enrolment, with its months (services.back_pay).
        add_back_pay_lines(
            month=run.month, county_code=run.county_code, township_code=township, run_id=run.pk
        )
        cursor.execute(PAYMENT_SQL, args)
        PayrollRun.objects.filter(pk=run.pk).update(
            townships_done=F("townships_done") + 1, heartbeat_at=clock.now()
        )
    done = PayrollRun.objects.filter(pk=run.pk).values_list("townships_done", flat=True).get()
    _progress(run, done=done)
    for hook in after_township:
        hook(township)


def execute(run: PayrollRun) -> dict[str, str | int]:
    """The run's work, township by township; each township in its own transaction."""
    townships = townships_of(run.county_code)
    _progress(run, total=len(townships), done=0, phase="逐个乡镇生成台账和发放名单")
    workers = parallel_workers()
    if workers == 1:
        for township in townships:
            _township(run, township)
    else:
        # Townships are independent: on PostgreSQL several are written at once, one connection each.
        stop = threading.Event()

        def work(township: str) -> None:
            try:
                if not stop.is_set():
                    _township(run, township)
            except BaseException:
                stop.set()
                raise
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(work, t) for t in townships]:
                future.result()
    totals = LedgerEntry.objects.filter(county_code=run.county_code, month=run.month).aggregate(
        n=Count("id"), total=Sum("amount")
    )
    figures = statistics.freeze(run.county_code, run.month)  # read before the short closing transaction
    with transaction.atomic():
        PayrollRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE,
            entries=totals["n"] or 0,
            total_amount=totals["total"] or Decimal("0"),
            figures=figures,
            finished_at=clock.now(),
            heartbeat_at=clock.now(),
        )
        run.refresh_from_db()
        audit.record(
            actor=run.by,
            action="payroll.done",
            obj=run,
            area_code=run.county_code,
            after={"month": run.month, "entries": run.entries, "total": run.total_amount},
            membership=authz.membership_for(run.by, Perm.PAYROLL_RUN, run.county_code) if run.by else None,
        )
    return {"entries": run.entries, "total": str(run.total_amount)}


def fail(run_id: int, error: str) -> None:
    PayrollRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, error=error[:2000], finished_at=clock.now()
    )


def interrupted(job: Job, reason: str) -> None:
    """The run's worker vanished: the run fails with the reason; its page then says "可再次生成，已完成的部分
    不会重复" itself."""
    if job.params.get("run"):
        fail(job.params["run"], reason.split("；")[0])


def no_job_page(user: User, pk: int) -> Job:
    """A run's job has no page of its own: the run page shows its progress."""
    raise NotFound()
