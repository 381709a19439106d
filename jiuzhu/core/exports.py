"""Excel export for every list (staff live in Excel)."""

from __future__ import annotations

import io
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
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
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
