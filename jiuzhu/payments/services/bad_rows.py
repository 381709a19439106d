"""The rows of a bank's results that need checking, as the reconcile job recorded them: read back for its
page (the first ones) and as an Excel download (all of them, row by row: there may be 10⁶)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO

import xlsxwriter
from django.core.files import File

from jiuzhu.core import clock
from jiuzhu.core.crypto.sealed import sealed_storage  # the bank's rows: sealed at rest (PI1)
from jiuzhu.core.errors import NotFound
from jiuzhu.core.models import Job
from jiuzhu.payments.services.bank_results import BadRow

# The job page lists this many bad rows; all of them are in the Excel download, which the job writes
# when there are more (10⁶ rows take the better part of a minute: too long for a request).
BAD_ROWS_SHOWN = 200


def bad_rows_of(job: Job) -> tuple[date, int, Iterator[BadRow]]:
    """The month of a reconcile job, how many bad rows it recorded, and the rows (read lazily)."""
    raw = (job.result or {}).get("bad_rows", [])
    return date.fromisoformat(job.params["month"]), len(raw), (BadRow(*row) for row in raw)


def write_bad_rows(out: IO[bytes], month: date, bad_rows: Iterable[BadRow], *, refused: bool) -> None:
    """Every bad row of a job as Excel, row by row (constant memory: there may be 10⁶)."""
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    headers = ["行号", "参考号", "问题", "处理"]
    ws, r = None, 0
    for bad in bad_rows:
        if ws is None or r > 1_000_000:  # an xlsx sheet holds at most 1,048,576 rows
            ws, r = book.add_worksheet(), 1
            ws.set_column(1, 1, 16)
            ws.set_column(2, 3, 40)
            for c, h in enumerate(headers):
                ws.write_string(0, c, h)
        done = (
            "未导入（整份文件未导入）" if refused else ("已按银行实发金额入账" if bad.applied else "未导入")
        )
        ws.write_number(r, 0, bad.line)
        ws.write_string(r, 1, bad.reference)
        ws.write_string(r, 2, bad.reason(month))
        ws.write_string(r, 3, done)
        r += 1
    if ws is None:
        ws = book.add_worksheet()
        for c, h in enumerate(headers):
            ws.write_string(0, c, h)
    book.close()


def save_bad_rows(job_id: int, month: date, bad_rows: Iterable[BadRow], *, refused: bool) -> str:
    """Store the bad rows' workbook next to the job's upload; returns its storage name for the result."""
    with tempfile.TemporaryFile() as tmp:
        write_bad_rows(tmp, month, bad_rows, refused=refused)
        tmp.seek(0)
        return sealed_storage().save(f"jobs/{clock.now():%Y/%m}/reconcile-{job_id}-rows.xlsx", File(tmp))


def open_bad_rows(job: Job) -> tuple[IO[bytes], str]:
    """The Excel of a finished job's bad rows (stored by the job, or written now for a few), and a name."""
    month, count, bad_rows = bad_rows_of(job)
    if not job.finished or not count:
        raise NotFound("该任务没有需要核实的行")
    filename = f"回盘核实行-{month:%Y%m}-{job.params.get('filename', job.pk)}.xlsx"
    stored = job.result.get("rows_file")
    if stored and sealed_storage().exists(stored):
        return sealed_storage().open(stored, "rb"), filename
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it once sent
    write_bad_rows(out, month, bad_rows, refused=not job.result.get("committed"))
    out.seek(0)
    return out, filename
