"""Excel export for every list (staff live in Excel), and the one CSV writer of the product."""

from __future__ import annotations

import contextvars
import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from jiuzhu.core import clock
from jiuzhu.core.xlsx_stream import xlsx_chunks

EXPORT_CHUNK = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(sheet: str, headers: Sequence[str], rows: Iterable[Sequence], *, title: str = "") -> bytes:
    """A small workbook in memory (a template, a file kept with a job); lists stream with `xlsx_response`."""
    return b"".join(xlsx_chunks(sheet, headers, rows, title=title))


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = disposition(filename)
    return response


def disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def xlsx_response(
    name: str, headers: Sequence[str], rows: Iterable[Sequence], *, title: str = ""
) -> StreamingHttpResponse:
    """A list's Excel export, streamed: the first bytes leave at once and memory stays the same for 10^5 rows.

    `rows` is read while the file is sent, after the view has returned, so it should read the database in
    chunks (`.iterator(chunk_size=…)`, with every related row it shows joined in) and do no query per row.
    Scoping, masking and the audit of a sensitive read happen in the view, before the response. The rows are
    read in the view's context, so a report page's reads still go to the replica (core.replica)."""
    stamp = timezone.localtime(clock.now()).strftime("%Y%m%d-%H%M")
    context = contextvars.copy_context()
    chunks = xlsx_chunks(name, headers, rows, title=title)
    response = StreamingHttpResponse(_in_context(context, chunks), content_type=XLSX)
    response["Content-Disposition"] = disposition(f"{name}-{stamp}.xlsx")
    return response


def stream_rows(queryset: QuerySet) -> Iterator:
    """The rows of an export, read from the database EXPORT_CHUNK at a time while the file is sent."""
    return queryset.iterator(chunk_size=EXPORT_CHUNK)


def _in_context(context: contextvars.Context, chunks: Iterator[bytes]) -> Iterator[bytes]:
    while True:
        try:
            yield context.run(next, chunks)
        except StopIteration:
            return


# --- CSV ------------------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def csv_safe(value) -> str:
    """One CSV cell that a spreadsheet will not run as a formula (OWASP "CSV injection"): a text starting with
    = + - @, a tab or a carriage return gets a leading apostrophe; a plain number such as -12.50 stays."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


class SafeCsvWriter:
    """`csv.writer` whose every cell goes through `csv_safe`. Every CSV the product writes uses it."""

    def __init__(self, stream, **kwargs) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row) -> None:
        self._writer.writerow([csv_safe(cell) for cell in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)
