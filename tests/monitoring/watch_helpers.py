"""Helpers of the watch tests: a department's monthly file, uploaded through the page or the API."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from jiuzhu.core.models import Job
from jiuzhu.monitoring.models.watch import MonitoringWarning


def csv_file(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def upload(client, source: str, content: bytes, name: str = "比对.csv") -> Job:
    """Upload through the page; the preview job runs at once (the task backend of the tests)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = client.post("/monitoring/import/", {"source": source, "file": SimpleUploadedFile(name, content)})
    assert r.status_code == 302, r.content.decode()[:2000]
    return Job.objects.get(pk=r["Location"].rstrip("/").split("/")[-1])


def commit(client, job: Job, mode: str = "all") -> Job:
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = client.post(f"/monitoring/import/jobs/{job.pk}/commit/", {"mode": mode})
    assert r.status_code == 302
    return Job.objects.get(pk=r["Location"].rstrip("/").split("/")[-1])


def import_file(client, source: str, content: bytes) -> list[MonitoringWarning]:
    """Preview then commit all; the warnings the file made."""
    preview = upload(client, source, content)
    assert preview.status == "done", preview.error
    done = commit(client, preview)
    assert done.status == "done" and done.result["committed"] is True, (done.error, done.result)
    return list(MonitoringWarning.objects.filter(job=done).order_by("pk"))


def act(client, warning, action: str, **data):
    """POST one action of the warning page; the page redirects back when it worked."""
    r = client.post(f"/monitoring/warnings/{warning.pk}/", {"action": action, **data})
    assert r.status_code == 302, r.content.decode()[-3000:]
    warning.refresh_from_db()
    return warning
