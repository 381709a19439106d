"""What a household import reports: its counts and the first errors for the job page, and every error row
in an Excel workbook stored with the job (the cells as uploaded, ID numbers masked), written row by row so
memory stays flat for big files."""

from __future__ import annotations

import hashlib
import io
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import IO, Any

import xlsxwriter
from django.core.files import File

from jiuzhu.core import clock
from jiuzhu.core.crypto.sealed import sealed_storage  # the rows hold full ID numbers (PI1)
from jiuzhu.core.errors import NotFound
from jiuzhu.core.masking import mask_id_number
from jiuzhu.core.models import Job
from jiuzhu.registry.imports.checking import Preview
from jiuzhu.registry.imports.layout import COLUMNS


def file_digest(fh: IO[bytes]) -> str:
    fh.seek(0)
    digest = hashlib.sha256()
    while chunk := fh.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


# The job page lists this many errors; every error row is in the Excel attachment (`save_error_workbook`).
ERRORS_SHOWN = 2000
# Rows per worksheet of the error workbook (an xlsx sheet holds at most 1,048,576 rows).
ERROR_SHEET_ROWS = 1_000_000
_LINE = re.compile(r"^第(\d+)行")


def summarise(preview: Preview, limit: int | None = None) -> dict[str, Any]:
    limit = ERRORS_SHOWN if limit is None else limit
    return {
        "rows": preview.rows,
        "households": len(preview.households),
        "good_households": len(preview.good),
        "bad_households": preview.bad_households,
        "error_count": len(preview.errors),
        "errors": preview.errors[:limit],
        "errors_truncated": len(preview.errors) > limit,
    }


def errors_by_line(errors: Iterable[str]) -> dict[int, list[str]]:
    """Every message starts with its line number ("第N行：…" or "第N行起的户编号…")."""
    grouped: dict[int, list[str]] = defaultdict(list)
    for message in errors:
        match = _LINE.match(message)
        line = int(match.group(1)) if match else 0
        rest = message[match.end() :] if match else ""
        # "第N行：reason" keeps the reason; a household's message ("第N行起的…") is kept whole.
        grouped[line].append(rest[1:] if rest.startswith("：") else message)
    return dict(sorted(grouped.items()))


def _rows_at(rows: Iterable[dict[str, str]] | None, lines: Iterable[int]) -> Iterator[dict[str, str]]:
    """For each of `lines` (ascending), the file's row at that line ({} if none), in one pass over `rows`
    (the file's rows from line 2 on)."""
    source = enumerate(rows if rows is not None else (), start=2)
    current: tuple[int, dict[str, str]] = (1, {})
    for line in lines:
        while current[0] < line:
            current = next(source, (line, {}))
        yield current[1] if current[0] == line else {}


def write_error_workbook(
    out: IO[bytes], errors: list[str], rows: Iterable[dict[str, str]] | None = None
) -> None:
    """Every bad line once: its line number, all its problems, and the cells as uploaded (ID numbers masked,
    like everywhere else the import reports), `rows` being the file read again. Written row by row, so
    memory stays flat for big files."""
    headers = ["行号", "错误说明", *(label for _, label, _ in COLUMNS)]
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    sheet, r = None, 0
    grouped = errors_by_line(errors)
    for (line, messages), row in zip(grouped.items(), _rows_at(rows, grouped), strict=True):
        if sheet is None or r > ERROR_SHEET_ROWS:
            sheet = book.add_worksheet("错误行" if sheet is None else f"错误行{len(book.worksheets()) + 1}")
            sheet.set_column(0, 0, 8)
            sheet.set_column(1, 1, 60)
            sheet.set_column(2, len(headers) - 1, 14)
            for col, header in enumerate(headers):
                sheet.write_string(0, col, header, bold)
            sheet.freeze_panes(1, 0)
            r = 1
        cells = [
            mask_id_number(row.get(name, "")) if name == "id_number" else row.get(name, "")
            for name, _, _ in COLUMNS
        ]
        if line:
            sheet.write_number(r, 0, line)
        sheet.write_string(r, 1, "；".join(messages))
        for col, value in enumerate(cells, start=2):
            sheet.write_string(r, col, value or "")
        r += 1
    if sheet is None:
        book.add_worksheet("错误行").write_string(0, 0, "没有错误行")
    book.close()


def save_error_workbook(job_id: int, errors: list[str], rows: Iterable[dict[str, str]]) -> str:
    """Store the error workbook next to the job's upload; returns its storage name for the job result."""
    with tempfile.TemporaryFile() as tmp:
        write_error_workbook(tmp, errors, rows)
        tmp.seek(0)
        stamp = clock.now().strftime("%Y/%m")
        return sealed_storage().save(f"jobs/{stamp}/import-{job_id}-errors.xlsx", File(tmp))


def open_error_workbook(job: Job) -> tuple[IO[bytes], str]:
    """The stored error workbook of a finished job, and a file name for the download."""
    result = job.result or {}
    if job.status != "done" or not result.get("error_count"):
        raise NotFound("该任务没有错误行")
    filename = f"导入错误行-{job.params.get('filename', job.pk)}.xlsx"
    name = result.get("errors_file")
    if name and sealed_storage().exists(name):
        return sealed_storage().open(name, "rb"), filename
    # Jobs from before the workbook was stored kept only the listed errors.
    buffer = io.BytesIO()
    write_error_workbook(buffer, result.get("errors", []))
    buffer.seek(0)
    return buffer, filename
