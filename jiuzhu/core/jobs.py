"""Background jobs with progress (imports, payroll, scans) on the django-tasks API."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from jiuzhu.core import clock
from jiuzhu.core.models import Job, JobStatus

log = logging.getLogger(__name__)


def create(
    *, by, kind: str, area_code: str, params: dict | None = None, upload: UploadedFile | None = None
) -> Job:
    job = Job(kind=kind, area_code=area_code, params=params or {}, created_by=by, created_at=clock.now())
    if upload is not None:
        job.file.save(upload.name, upload, save=False)
    job.save()
    return job


def enqueue(task, job: Job) -> None:
    """Queue after the job row is committed, so the worker can find it."""
    transaction.on_commit(lambda: task.enqueue(job.pk))


def progress(
    job_id: int, *, done: int | None = None, total: int | None = None, phase: str | None = None
) -> None:
    """Written with a plain UPDATE outside any surrounding transaction of the work itself."""
    fields: dict = {}
    if done is not None:
        fields["done"] = done
    if total is not None:
        fields["total"] = total
    if phase is not None:
        fields["phase"] = phase
    if fields:
        Job.objects.filter(pk=job_id).update(**fields)


def run(job_id: int, work: Callable[[Job], dict]) -> None:
    """Run `work(job)`; store its result, or the failure. A job that already finished is not run again."""
    job = Job.objects.get(pk=job_id)
    if job.finished:
        return
    Job.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, started_at=clock.now())
    try:
        result = work(job)
    except Exception as exc:
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, error=str(exc)[:2000], finished_at=clock.now()
        )
        log.exception("job %s failed", job_id)
        raise
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.DONE, result=result, finished_at=clock.now(), phase="完成"
    )
