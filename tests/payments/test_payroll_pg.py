"""The payroll under real conditions on PostgreSQL: two people starting it at once, and a worker process
killed (SIGKILL) in the middle of a run."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection

from jiuzhu.core import clock
from jiuzhu.core.errors import DomainError
from jiuzhu.payments import payroll
from jiuzhu.payments.models import LedgerEntry, Payment, PayrollRun, RunStatus
from tests.helpers import JIANSHAN, d, payable_world, run_payroll, user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is tested on PostgreSQL"),
]
ROOT = Path(__file__).resolve().parents[2]


def _world():
    payable_world()


@pytest.mark.django_db(transaction=True)
def test_two_starts_at_the_same_moment_make_one_run(transactional_world):
    _world()
    barrier = threading.Barrier(2)
    results = []

    def start():
        try:
            barrier.wait()
            payroll.start(by=user("js_finance"), county_code=JIANSHAN, month=d("2026-12-01"))
            results.append("ok")
        except DomainError as exc:
            results.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert any("不能同时生成" in r for r in results if r != "ok")
    assert LedgerEntry.objects.filter(month=d("2026-12-01")).count() == 4


WORKER = """
import time
from jiuzhu.payments import payroll
from jiuzhu.payments.models import PayrollRun
payroll.after_township.append(lambda township: time.sleep(0.4))
payroll.execute(PayrollRun.objects.get(pk={run}))
"""


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_is_taken_over_and_completes_without_duplicates(transactional_world):
    _world()
    townships = payroll.townships_of(JIANSHAN)
    run = PayrollRun.objects.create(
        county_code=JIANSHAN,
        month=d("2026-12-01"),
        by=user("js_finance"),
        started_at=clock.now(),
        heartbeat_at=clock.now(),
        townships_total=len(townships),
    )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "true",
        "JIUZHU_TESTING": "false",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", WORKER.format(run=run.pk)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while PayrollRun.objects.get(pk=run.pk).townships_done < 3:
        assert worker.poll() is None, worker.stdout.read().decode()
        assert time.monotonic() < deadline, "the worker did not progress"
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.townships_done < len(townships)
    clock.freeze(clock.now() + payroll.stale_after() + timedelta(minutes=1))
    resumed = run_payroll()
    assert resumed.status == RunStatus.DONE and resumed.entries == 4
    assert LedgerEntry.objects.filter(month=d("2026-12-01")).count() == 4
    assert Payment.objects.filter(month=d("2026-12-01")).count() == 4
    assert PayrollRun.objects.get(pk=run.pk).status == RunStatus.FAILED
