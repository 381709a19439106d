"""Issue 5 acceptance in Chromium: finance generates the payroll for 尖山区, watches the progress while a
worker generates it township by township, and downloads the bank file."""

import io
import re
import threading
import time
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection, connections, transaction

from jiuzhu.core import jobs
from jiuzhu.core.models import AuditEvent
from jiuzhu.payments import payroll
from tests.browser.conftest import login, shot
from tests.helpers import JIANSHAN, payable_world


@pytest.fixture
def worker(monkeypatch):
    """Run queued tasks in a thread beside the web server, as `manage.py run_worker` does, and slowly
    enough (a pause after each township) for a person to watch."""
    threads: list[threading.Thread] = []

    def enqueue(task, job):
        def work():
            try:
                task.call(job.pk)
            finally:
                connections.close_all()

        def start():
            thread = threading.Thread(target=work)
            threads.append(thread)
            thread.start()

        transaction.on_commit(start)

    def pause(township):
        time.sleep(0.4)

    monkeypatch.setattr(jobs, "enqueue", enqueue)
    payroll.after_township.append(pause)
    yield threads
    payroll.after_township.remove(pause)
    for thread in threads:
        thread.join(timeout=30)


def test_finance_generates_payroll_watches_progress_and_downloads_bank_file(page, worker, settings, tmp_path):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.fail("needs a database file shared by the worker thread: run `make test-browser`")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    payable_world()

    login(page, "js_finance")
    page.goto(f"{page.base_url}/payments/?county={JIANSHAN}")
    assert "业务办理中" in page.inner_text(
        '[data-testid="cycle-state"]'
    ) or "台账尚未生成" in page.inner_text("main")
    page.fill('input[name="month"]', "2026-12")
    shot(page, "payroll-home")
    page.click('[data-testid="start-payroll"]')
    progress = page.locator('[data-testid="run-progress"]')
    # The page shows the run while it works: some townships done, not all.
    page.wait_for_function(
        """() => {
        const el = document.querySelector('[data-testid="run-progress"]');
        const m = el && el.innerText.match(/生成中：(\\d+)\\/(\\d+)/);
        return m && +m[1] > 0 && +m[1] < +m[2];
    }""",
        timeout=20000,
    )
    assert re.search(r"生成中：\d+/\d+ 个乡镇", progress.inner_text())
    shot(page, "payroll-progress")
    page.wait_for_selector('[data-testid="run-done"]', timeout=30000)  # the page refreshes itself when done
    done = page.inner_text('[data-testid="run-done"]')
    assert "4 户" in done and "4,500.00" in done
    shot(page, "payroll-done")

    page.select_option('select[name="file_type"]', "xlsx")
    shot(page, "payroll-before-download")
    with page.expect_download() as info:
        page.click('[data-testid="download-bank-file"]')
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as fh:
        rows = list(openpyxl.load_workbook(io.BytesIO(fh.read())).active.iter_rows(values_only=True))
    header = list(rows[0])
    assert {"参考号", "户名", "账号", "金额"} <= set(header)
    accounts = {row[header.index("账号")] for row in rows[1:]}
    assert len(rows) == 5 and "6217000000000000099" in accounts
    assert sum(Decimal(str(row[header.index("金额")])) for row in rows[1:]) == Decimal("4500.00")
    assert AuditEvent.objects.filter(action="payroll.bank_file", actor__username="js_finance").exists()
    assert not page.js_errors, page.js_errors
