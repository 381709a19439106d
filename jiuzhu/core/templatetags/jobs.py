"""Job pages and home pages: one place that shows a job's state, its place in the queue, whether a worker
is running at all, and the way to start an interrupted job again."""

from __future__ import annotations

from django import template

from jiuzhu.core import access, jobs
from jiuzhu.core.models import Job, JobStatus

register = template.Library()


@register.inclusion_tag("core/partials/job_status.html", takes_context=True)
def job_status(context, job: Job, failed_label: str = "失败"):
    """Status, phase, progress, queue position, the missing-worker notice, the failure and the restart
    button. A running job whose worker is gone is marked interrupted here (`jobs.reap`), so the page
    tells the truth even when no worker is left to notice."""
    if jobs.reap_for_page(job):
        job.refresh_from_db()
    spec = jobs.KINDS.get(job.kind)
    request = context.get("request")
    can_restart = (
        job.status == JobStatus.FAILED
        and job.interrupted
        and spec is not None
        and spec.restartable
        and bool(job.task_path)
        and request is not None
        and _may_start(request.user, spec, job)
    )
    return {
        "job": job,
        "failed_label": failed_label,
        "worker": jobs.worker_status() if not job.finished else None,
        "position": jobs.queue_position(job),
        "can_restart": can_restart,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("core/partials/worker_notice.html")
def worker_notice(job: Job | None = None):
    """The missing-worker notice and the queue position alone (pages with their own progress display)."""
    if job is not None and jobs.reap_for_page(job):
        job.refresh_from_db()
    waiting = job is None or not job.finished
    return {
        "worker": jobs.worker_status() if waiting else None,
        "position": jobs.queue_position(job) if job is not None else None,
    }


@register.inclusion_tag("core/partials/worker_notice.html", takes_context=True)
def worker_notice_for_starters(context):
    """On a home page: only for users who start background jobs."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not any(_may_start(user, spec, None) for spec in jobs.KINDS.values()):
        return {"worker": None}
    return {"worker": jobs.worker_status(), "home": True}


def _may_start(user, spec: jobs.JobKind, job: Job | None) -> bool:
    return access.can(user, spec.perm, job.area_code if job is not None else None)
