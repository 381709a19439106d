"""Excel exports stream: the first bytes leave before a row is read, memory stays the same however many rows
follow, and the queries do not grow with the rows (they are read in chunks, every related row joined in).
The 10^5-row figures are measured by `bench/exports.py`."""

from __future__ import annotations

import io
import tracemalloc
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from jiuzhu.core.xlsx_stream import xlsx_chunks
from tests.core.test_query_counts import grow
from tests.helpers import body_of, client_for, make_household

ERMALU_VILLAGE = "230502004001"

EXPORTS = [
    "/registry/households/?export=xlsx",
    "/cases/?export=xlsx",
    "/benefits/?export=xlsx",
    "/benefits/reviews-due/?days=366&export=xlsx",
    "/cases/queue/?q=todo&export=xlsx",
    "/cases/deadlines/?show=all&export=xlsx",
    "/supervision/alerts/?export=xlsx",
    "/settings/audit/?export=xlsx",
]


def export(url: str) -> tuple[int, int, list[list]]:
    """(queries before the first bytes, queries in all, the sheet's rows) of one export as js_bureau."""
    client = client_for("js_bureau")
    with CaptureQueriesContext(connection) as q:
        response = client.get(url)
        assert response.status_code == 200 and response.streaming, url
        chunks = iter(response.streaming_content)
        first = next(chunks)
        before_rows = len(q)
        content = first + b"".join(chunks)
    assert first.startswith(b"PK")  # a zip's first bytes: the parts that do not depend on the rows
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    return before_rows, len(q), rows


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the data generator writes SQLite SQL")
def test_list_exports_stream_every_row_with_queries_that_do_not_grow_with_the_rows():
    from jiuzhu.registry.models import Household

    grow(1, 40)
    small = {url: export(url) for url in EXPORTS}
    grow(41, 200)
    large = {url: export(url) for url in EXPORTS}
    for url in EXPORTS:
        (first_small, queries_small, _), (first_large, queries_large, _) = (
            small[url],
            large[url],
        )
        assert queries_large == queries_small, (url, queries_small, queries_large)
        # The first bytes are sent before the rows are read: no query between the view and the first chunk.
        assert first_large == first_small
    households = large["/registry/households/?export=xlsx"][2]
    assert len(households) - 1 == Household.objects.count() >= 240  # every household, under one header row
    assert len(large["/cases/?export=xlsx"][2]) > len(small["/cases/?export=xlsx"][2])
    assert len(large["/benefits/?export=xlsx"][2]) > len(small["/benefits/?export=xlsx"][2])


@pytest.mark.django_db
def test_the_export_of_a_township_stays_in_its_jurisdiction_and_masks_ids():
    from tests.helpers import member, new_id

    own, other = new_id(), new_id()
    make_household(members=[member("本乡户主", id_number=own)])
    make_household(by="emr_caseworker", area=ERMALU_VILLAGE, members=[member("他乡户主", id_number=other)])
    rows = (
        CalamineWorkbook.from_filelike(
            io.BytesIO(body_of(client_for("ab_caseworker").get("/registry/households/?export=xlsx")))
        )
        .get_sheet_by_index(0)
        .to_python()
    )
    cells = {str(cell) for row in rows for cell in row}
    assert "本乡户主" in cells and "他乡户主" not in cells
    assert own not in cells and own[:6] + "********" + own[-4:] in cells


def test_the_workbook_keeps_types_formats_and_never_makes_a_formula():
    rows = [
        ("张三", '=HYPERLINK("http://x")', Decimal("1234.50"), date(2026, 11, 20), None, True, 3, "a\x01b"),
        ("李四", "+1", Decimal("-0.10"), datetime(2026, 11, 20, 10, 30), "", False, 2.5, "<&>"),
    ]
    content = b"".join(
        xlsx_chunks(
            "台账:2026/12", ["户主", "备注", "金额", "日期", "空", "是否", "数", "文字"], rows, title="标题"
        )
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet.title == "台账_2026_12" and sheet.freeze_panes == "A3" and sheet.auto_filter.ref == "A2:H4"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "标题" and values[1][0] == "户主"
    assert values[2][1] == '=HYPERLINK("http://x")' and sheet["B3"].data_type != "f"
    assert values[2][2] == 1234.5 and sheet["C3"].number_format == "#,##0.00"
    assert values[2][3] == datetime(2026, 11, 20) and sheet["D3"].number_format == "yyyy-mm-dd"
    assert values[3][3] == datetime(2026, 11, 20, 10, 30) and sheet["D4"].number_format == "yyyy-mm-dd hh:mm"
    assert values[2][5] == "是" and values[3][5] == "否" and values[2][6] == 3 and values[3][6] == 2.5
    assert values[3][7] == "<&>" and sheet["A2"].font.b
    text = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert text[2][7] == "a\x01b"  # a control character survives, escaped the way Excel reads it


def _peak_writing(n: int) -> tuple[int, int]:
    row = (
        "户主姓名",
        "230502********1234",
        "安邦村",
        Decimal("780.00"),
        date(2026, 11, 1),
        2,
        "6217********8901",
    )
    tracemalloc.start()
    try:
        size = sum(len(chunk) for chunk in xlsx_chunks("s", ["a"] * 7, (row for _ in range(n))))
        return tracemalloc.get_traced_memory()[1], size
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_rows():
    peak_small, size_small = _peak_writing(5_000)
    peak_large, size_large = _peak_writing(40_000)
    assert size_large > 5 * size_small
    assert peak_large < 2 * peak_small + 256 * 1024 and peak_large < 4 * 1024 * 1024, (peak_small, peak_large)
