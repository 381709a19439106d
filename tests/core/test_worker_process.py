"""The real worker process (`manage.py run_worker`) killed in the middle of a payroll run: the page says
so, and after the worker is started again the run is completed without duplicates. On SQLite (the
demo's database) and on PostgreSQL."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from jiuzhu.core.models import Job, JobStatus, WorkerBeat
from jiuzhu.payments import payroll
from jiuzhu.payments.models import LedgerEntry, Payment, PayrollRun, RunStatus
from tests.helpers import JIANSHAN, client_for, payable_world

ROOT = Path(__file__).resolve().parents[2]
MISSING = "后台任务处理程序未运行，任务将在其恢复后继续"

WORKER = """
import time
from django.core.management import call_command
from jiuzhu.payments import payroll
payroll.after_township.append(lambda township: time.sleep(0.4))  # slow enough to be killed half-way
call_command("run_worker", "--interval", "0.1", "--beat", "0.5", "--no-startup-delay", verbosity=0)
"""


@pytest.fixture
def shared_database(transactional_world, tmp_path):
    """The test's database, reachable by a worker process: PostgreSQL's test database as it is; SQLite's
    in-memory test database copied into a file that this test then uses as well."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        yield f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        return
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    # Closing the in-memory connection would destroy the session's test database: set it aside instead.
    memory, name = connection.connection, db["NAME"]
    connection.connection = None
    db["NAME"] = str(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        if connection.connection is not None:
            connection.connection.close()
        connection.connection = memory
        db["NAME"] = name


def start_worker(database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,  # JIUZHU_FROZEN_AT included: the worker runs on the test's clock
        "DEBUG": "true",
        "JIUZHU_TESTING": "false",
        "DATABASE_URL": database_url,
        "JIUZHU_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", WORKER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, worker: subprocess.Popen, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if worker.poll() is not None:
            pytest.fail(f"the worker exited while waiting for {what}: {worker.stdout.read().decode()}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_is_reported_and_a_restarted_worker_completes_the_run(
    shared_database, settings
):
    payable_world()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    townships = len(payroll.townships_of(JIANSHAN))
    c = client_for("js_finance")
    response = c.post("/payments/start/", {"county": JIANSHAN, "month": "2026-12"})
    assert response.status_code == 302
    run_page = response["Location"]
    run = PayrollRun.objects.get()

    page = c.get(run_page).content.decode()
    assert MISSING in page and "排队中：下一个处理" in page  # queued, and nobody to take it yet

    worker = start_worker(shared_database)
    try:
        wait_for(lambda: PayrollRun.objects.get(pk=run.pk).townships_done >= 2, worker, "two townships")
        assert MISSING not in c.get("/").content.decode()
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.townships_done < townships

    page = c.get(run_page).content.decode()
    run.refresh_from_db()
    job = Job.objects.get(pk=run.job_id)
    assert job.status == JobStatus.FAILED and job.interrupted
    assert run.status == RunStatus.FAILED and "在处理中途停止" in run.error
    assert "在处理中途停止" in page and "再次生成" in page
    assert MISSING in c.get("/").content.decode()

    restarted = start_worker(shared_database)
    try:
        response = c.post("/payments/start/", {"county": JIANSHAN, "month": "2026-12"})
        assert response.status_code == 302
        resumed = PayrollRun.objects.exclude(pk=run.pk).get()
        wait_for(
            lambda: PayrollRun.objects.get(pk=resumed.pk).status == RunStatus.DONE, restarted, "the new run"
        )
        restarted.send_signal(signal.SIGTERM)  # a graceful stop records itself
        assert restarted.wait(timeout=30) == 0
    finally:
        if restarted.poll() is None:
            restarted.kill()
    resumed.refresh_from_db()
    assert resumed.entries == 4
    assert LedgerEntry.objects.filter(month="2026-12-01").count() == 4
    assert Payment.objects.filter(month="2026-12-01").count() == 4
    assert "已完成：4 户" in c.get(response["Location"]).content.decode()
    assert WorkerBeat.objects.filter(stopped_at__isnull=False).count() == 1
