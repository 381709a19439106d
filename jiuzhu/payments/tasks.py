"""Background work of payments: the payroll run, with progress on its Job."""

from __future__ import annotations

from django_tasks import task

from jiuzhu.core import jobs
from jiuzhu.core.models import Job


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
