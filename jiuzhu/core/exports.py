"""Excel export for every list (staff live in Excel), and the one CSV writer of the product."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone

from jiuzhu.core import clock

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(sheet: str, headers: Sequence[str], rows: Iterable[Sequence], *, title: str = "") -> bytes:
    buffer = io.BytesIO()
    # A text is never turned into a formula, whatever it starts with (CSV/formula injection, PI1).
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "remove_timezone": True, "strings_to_formulas": False}
    )
    ws = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    money = book.add_format({"num_format": "#,##0.00"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    row0 = 0
    if title:
        ws.write(0, 0, title, book.add_format({"bold": True, "font_size": 13}))
        row0 = 1
    widths = [max(8, len(h) * 2 + 2) for h in headers]
    for col, header in enumerate(headers):
        ws.write(row0, col, header, bold)
    r = row0
    for r, row in enumerate(rows, start=row0 + 1):
        for col, value in enumerate(row):
            if isinstance(value, Decimal):
                ws.write_number(r, col, float(value), money)
            elif isinstance(value, datetime):
                ws.write_datetime(r, col, timezone.localtime(value).replace(tzinfo=None), stamp)
            elif isinstance(value, date):
                ws.write_datetime(r, col, datetime(value.year, value.month, value.day), day)
            elif value is None:
                ws.write_blank(r, col, None)
            elif isinstance(value, bool):
                ws.write_string(r, col, "是" if value else "否")
            elif isinstance(value, int | float):
                ws.write_number(r, col, value)
            else:
                text = str(value)
                ws.write_string(r, col, text)
                if col < len(widths):
                    widths[col] = min(60, max(widths[col], len(text.encode("gbk", "replace")) + 2))
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.freeze_panes(row0 + 1, 0)
    if r > row0:
        ws.autofilter(row0, 0, r, len(headers) - 1)
    book.close()
    return buffer.getvalue()


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def xlsx_response(
    name: str, headers: Sequence[str], rows: Iterable[Sequence], *, title: str = ""
) -> HttpResponse:
    stamp = timezone.localtime(clock.now()).strftime("%Y%m%d-%H%M")
    return attachment(xlsx_bytes(name, headers, rows, title=title), f"{name}-{stamp}.xlsx", XLSX)


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
