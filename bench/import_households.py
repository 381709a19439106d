"""Issue 3: import of 100 000 households (two members each) on PostgreSQL; target ≥ 5 000 households/s.

Measures the whole path a user's file takes after upload: read the CSV (or, with BENCH_FORMAT=xlsx, the
workbook) through core.tables, validate every row (ID check digits, duplicates, scope, already-registered
people), encrypt and index ID numbers, write households and members. Baseline: the issue's target
throughput."""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Iterator
from datetime import date, timedelta

from jiuzhu.core import idnumber, tables
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.registry.imports import checking, layout, writing
from jiuzhu.registry.models import Household

HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "100000"))
FORMAT = os.environ.get("BENCH_FORMAT", "csv")  # or xlsx: the workbook parsed in its child process
TARGET = 5000.0


def _rows(n: int, villages: list[str]) -> Iterator[list[str]]:
    yield [label for _, label, _ in layout.COLUMNS]
    base = date(1950, 1, 1)
    k = 0
    for i in range(n):
        village = villages[i % len(villages)]
        for relation in ("户主", "配偶"):
            day = base + timedelta(days=k // 450)
            number = idnumber.make(f"230502{day:%Y%m%d}{(k % 450) * 2 + 1:03d}")
            k += 1
            yield [
                f"B{i:07d}",
                village,
                f"测试地址{i}号",
                "",
                "",
                "",
                f"成员{i}",
                number,
                relation,
                "",
                "",
                "",
                "否",
                "",
                "",
                "是",
                "",
            ]


def _file(n: int, villages: list[str]) -> bytes:
    if FORMAT == "xlsx":
        import xlsxwriter

        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"constant_memory": True})
        sheet = book.add_worksheet()
        for r, row in enumerate(_rows(n, villages)):
            sheet.write_row(r, 0, row)
        book.close()
        return out.getvalue()
    text = io.StringIO()
    csv.writer(text).writerows(_rows(n, villages))
    return text.getvalue().encode("utf-8")


def run() -> None:
    user = User.objects.get(username="js_bureau")
    villages = list(
        Jurisdiction.objects.filter(level=Level.VILLAGE, code__startswith="230502").values_list(
            "code", flat=True
        )
    )
    Household.objects.filter(external_key__startswith="B").delete()
    content = _file(HOUSEHOLDS, villages)
    name = f"bench.{FORMAT}"
    print(
        f"file: {FORMAT}, {HOUSEHOLDS} households, {HOUSEHOLDS * 2} member rows, {len(content) / 1048576:.1f} MB"
    )
    t0 = time.perf_counter()
    with tables.open_table(name, content) as table:
        rows = sum(1 for _ in table.rows)  # the reader alone, for the figure
    assert rows == HOUSEHOLDS * 2 + 1
    t1 = time.perf_counter()
    # As the import job does it: rows streamed from the reader into the checks, never held as a list.
    with tables.open_table(name, content) as table:
        preview = checking.validate(user, layout.rows_of(table))
    t2 = time.perf_counter()
    assert not preview.errors, preview.errors[:5]
    outcome = writing.commit(user, preview, good_only=False, source=name)
    t3 = time.perf_counter()
    assert outcome["created_households"] == HOUSEHOLDS
    total = t3 - t1
    rate = HOUSEHOLDS / total
    print(
        f"read alone {t1 - t0:.2f}s  read+validate {t2 - t1:.2f}s  write {t3 - t2:.2f}s  "
        f"total (read+validate+write) {total:.2f}s"
    )
    print(
        f"throughput: {rate:,.0f} households/s (target {TARGET:,.0f}/s) ratio to target: {rate / TARGET:.2f}"
    )
