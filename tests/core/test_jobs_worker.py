"""Background work is never silently stuck: the worker survives a busy database, jobs retry transient
errors, pages say when no worker runs and where a job stands in the queue, and a job whose worker vanished
is marked failed and can be started again."""

import os
import socket
import subprocess

import pytest
from django.db import OperationalError

from jiuzhu.core import clock, jobs, worker
from jiuzhu.core.models import AuditEvent, Job, JobStatus, WorkerBeat
from tests.helpers import JIANSHAN, client_for, user

pytestmark = pytest.mark.django_db

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MISSING = "后台任务处理程序未运行，任务将在其恢复后继续"


def dead_pid() -> int:
    """The id of a process of this machine that has ended."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def beat(worker_id: str, pid: int, **kw) -> WorkerBeat:
    return WorkerBeat.objects.create(
        worker_id=worker_id,
        host=kw.pop("host", socket.gethostname()),
        pid=pid,
        started_at=clock.now(),
        beat_at=clock.now(),
        **kw,
    )


def test_a_locked_database_does_not_stop_the_worker(monkeypatch):
    """django-tasks-db's worker dies of the first `database is locked` while it claims a task; ours waits
    with doubling pauses and goes on."""
    w = worker.Worker(
        beat_seconds=60,
        queue_names=["default"],
        interval=0,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="w-test",
        excluded_queue_names=[],
    )
    attempts = []

    def claim():
        attempts.append(1)
        if len(attempts) <= 3:
            raise OperationalError("database is locked")
        w.running = False  # the fourth claim finds the database free and nothing to do: stop here

    pauses = []
    monkeypatch.setattr(w, "_claim", claim)
    monkeypatch.setattr(worker.time, "sleep", pauses.append)
    monkeypatch.setattr(worker.connection, "close", lambda: None)  # the test's transaction stays open
    w._loop()
    assert len(attempts) == 4
    assert pauses == [1.0, 2.0, 4.0]


def _scan_job(**kw) -> Job:
    from jiuzhu.supervision.services.alerts import SCAN_KIND

    return Job.objects.create(
        kind=SCAN_KIND,
        area_code=JIANSHAN,
        params={"area_code": JIANSHAN},
        created_by=user("js_inspector"),
        created_at=clock.now(),
        task_path="jiuzhu.supervision.tasks.scan_alerts",
        **kw,
    )


def test_a_job_retries_a_locked_database_and_completes(settings):
    settings.JIUZHU_JOB_RETRY_SECONDS = 0
    job = _scan_job()
    calls = []

    def work(job):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return {"found": 3}

    jobs.run(job.pk, work)
    job.refresh_from_db()
    assert len(calls) == 2 and job.status == JobStatus.DONE and job.result == {"found": 3}


def test_a_job_whose_database_stays_busy_fails_as_interrupted(settings):
    settings.JIUZHU_JOB_RETRY_SECONDS = 0
    settings.JIUZHU_JOB_ATTEMPTS = 3
    job = _scan_job()

    def work(job):
        raise OperationalError("database is locked")

    with pytest.raises(OperationalError):
        jobs.run(job.pk, work)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.interrupted
    assert "数据库繁忙或暂时无法连接，已重试 3 次仍未完成" in job.error


def test_a_failure_of_the_input_is_not_offered_again():
    job = _scan_job()

    def work(job):
        raise ValueError("第 3 行身份证号有误")

    with pytest.raises(ValueError):
        jobs.run(job.pk, work)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.interrupted
    page = client_for("js_inspector").get(f"/supervision/alerts/scan/{job.pk}/").content.decode()
    assert "第 3 行身份证号有误" in page and 'data-testid="job-restart"' not in page


def test_pages_say_when_no_worker_runs_and_show_the_queue_position(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DB_BACKEND
    c = client_for("js_inspector")
    with django_capture_on_commit_callbacks(execute=True):
        first = c.post("/supervision/alerts/scan/", {"area": JIANSHAN})
    with django_capture_on_commit_callbacks(execute=True):
        second = c.post("/supervision/alerts/scan/", {"area": JIANSHAN})
    assert first.status_code == second.status_code == 302
    job = Job.objects.get(pk=int(second["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert job.status == JobStatus.QUEUED and job.task_id
    page = c.get(second["Location"]).content.decode()
    assert MISSING in page and "尚未启动过" in page
    assert "排队中：前面还有 1 个任务" in page
    assert MISSING in c.get("/").content.decode()  # the home page of a role that starts jobs
    assert MISSING not in client_for("ab_assistant").get("/").content.decode()  # starts none

    beat("w-alive", os.getpid(), process_key=jobs.process_key(os.getpid()))  # this very process: alive
    page = c.get(second["Location"]).content.decode()
    assert MISSING not in page and "排队中：前面还有 1 个任务" in page
    assert MISSING not in c.get("/").content.decode()
    assert client_for("js_inspector").get("/healthz").json()["worker"] == "ok"
    # The API says the same to programs that poll a job.
    api = c.get(f"/api/v1/supervision/scans/{job.pk}").json()
    assert api["status"] == "queued" and api["queue_position"] == 1 and api["worker_running"] is True
    WorkerBeat.objects.all().delete()
    assert c.get(f"/api/v1/supervision/scans/{job.pk}").json()["worker_running"] is False


def test_a_worker_on_another_machine_lives_while_it_beats(settings):
    from datetime import timedelta

    settings.TASKS = DB_BACKEND
    beat("w-remote", 1, host="another-host")
    assert not jobs.worker_status().missing
    clock.advance(timedelta(seconds=settings.JIUZHU_WORKER_STALE_SECONDS + 1))
    assert jobs.worker_status().missing


def test_a_job_whose_worker_vanished_is_marked_failed_and_can_be_started_again(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DB_BACKEND
    gone = beat("w-gone", dead_pid())
    job = _scan_job(status=JobStatus.RUNNING, worker_id="w-gone", phase="规则 3/13")
    url = f"/supervision/alerts/scan/{job.pk}/"
    c = client_for("js_inspector")
    page = c.get(url).content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.interrupted
    assert f"进程 {gone.pid}）在处理中途停止" in page and 'data-testid="job-restart"' in page

    # Someone who may not scan cannot start it again; out of scope it does not exist.
    assert client_for("ab_caseworker").post(f"/settings/jobs/{job.pk}/restart/").status_code in (403, 404)
    assert client_for("qj_bureau").post(f"/settings/jobs/{job.pk}/restart/").status_code == 404

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(f"/settings/jobs/{job.pk}/restart/")
    assert response.status_code == 302 and response["Location"] == url
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and not job.interrupted and job.error == ""
    assert "rules" in job.result
    assert AuditEvent.objects.filter(action="job.restart", object_id=str(job.pk)).count() == 1
    # Finished jobs cannot be started again.
    c.post(f"/settings/jobs/{job.pk}/restart/")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_a_pid_taken_by_another_process_after_a_restart_is_not_a_worker(settings):
    settings.TASKS = DB_BACKEND
    key = jobs.process_key(os.getpid())
    assert key  # Linux: boot id, pid, start tick
    boot, pid, start = key.split(":")
    beat("w-before-reboot", os.getpid(), process_key=f"{boot}:{pid}:{int(start) + 1}")
    assert jobs.worker_status().missing  # the pid lives, but it is not that worker
    beat("w-now", os.getpid(), process_key=key)
    assert not jobs.worker_status().missing
