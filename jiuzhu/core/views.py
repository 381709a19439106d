"""Pages of the kernel that need nothing above it: the health check and restarting an interrupted job. The
parameter, calendar and audit pages are in `jiuzhu.console` (they scope by jurisdiction, which orgs owns)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from jiuzhu.core import jobs
from jiuzhu.core.errors import RECOVERABLE, NotFound
from jiuzhu.core.models import Job


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The web process and its database; `worker` says whether a background worker lives (monitoring
    alerts on "missing": jobs then wait in the queue)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status = jobs.worker_status()
        worker = "not needed" if not status.needed else "missing" if status.missing else "ok"
        return JsonResponse({"status": "ok", "database": "ok", "worker": worker})
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure, it does not hide it
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)


# --- background jobs ----------------------------------------------------------------------------------


@login_required
@require_POST
def job_restart(request: HttpRequest, pk: int) -> HttpResponse:
    """Start again a job whose worker vanished; fetched through its app's scoped selector."""
    kind = Job.objects.filter(pk=pk).values_list("kind", flat=True).first()
    spec = jobs.KINDS.get(kind or "")
    if spec is None or not spec.page:
        raise NotFound()
    job = spec.fetch(request.user, pk)
    try:
        jobs.restart(job=job, by=request.user)
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已重新开始：{spec.label}")
    return redirect(spec.page, pk=job.pk)
