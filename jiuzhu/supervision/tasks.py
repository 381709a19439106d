"""Background work of supervision: the warning scan (S6), on demand with progress on its Job, and nightly."""

from __future__ import annotations

from django_tasks import task

from jiuzhu.core import jobs
from jiuzhu.core.models import Job
from jiuzhu.supervision import scan
from jiuzhu.supervision.models import ScanTrigger


@task()
def scan_alerts(job_id: int) -> None:
    jobs.run(job_id, _work)


def _work(job: Job) -> dict:
    result = scan.scan(
        by=job.created_by,
        area_code=job.params["area_code"],
        trigger=ScanTrigger.MANUAL,
        job=job,
        progress=lambda done, total, phase: jobs.progress(job.pk, done=done, total=total, phase=phase[:60]),
    )
    return {"scan": result.scan.pk, "found": result.found, "rules": result.per_rule}


@task()
def nightly_scan() -> None:
    """Everything, as the system (the management command `supervision_scan` runs the same from cron)."""
    scan.scan(by=None, area_code="", trigger=ScanTrigger.NIGHTLY)
