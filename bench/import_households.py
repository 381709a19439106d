"""Issue 3: import of 100 000 households (two members each) on PostgreSQL; target ≥ 5 000 households/s.

Measures the whole path a user's file takes after upload: parse the CSV, validate every row (ID check
digits, duplicates, scope, already-registered people), encrypt and index ID numbers, write households and
members. Baseline: the issue's target throughput."""

from __future__ import annotations

import csv
import io
import os
import time
from datetime import date, timedelta

from jiuzhu.core import idnumber
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.registry import importer
from jiuzhu.registry.models import Household

HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "100000"))
TARGET = 5000.0


def _csv(n: int, villages: list[str]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([label for _, label, _ in importer.COLUMNS])
    base = date(1950, 1, 1)
    k = 0
    for i in range(n):
        village = villages[i % len(villages)]
        for relation in ("户主", "配偶"):
            day = base + timedelta(days=k // 450)
            number = idnumber.make(f"230502{day:%Y%m%d}{(k % 450) * 2 + 1:03d}")
            k += 1
            w.writerow(
                [
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
            )
    return out.getvalue().encode("utf-8")


def run() -> None:
    user = User.objects.get(username="js_bureau")
    villages = list(
        Jurisdiction.objects.filter(level=Level.VILLAGE, code__startswith="230502").values_list(
            "code", flat=True
        )
    )
    Household.objects.filter(external_key__startswith="B").delete()
    content = _csv(HOUSEHOLDS, villages)
    print(f"file: {HOUSEHOLDS} households, {HOUSEHOLDS * 2} member rows, {len(content) / 1048576:.1f} MB")
    t0 = time.perf_counter()
    rows = importer.read_rows("bench.csv", content)
    t1 = time.perf_counter()
    preview = importer.validate(user, rows)
    t2 = time.perf_counter()
    assert not preview.errors, preview.errors[:5]
    outcome = importer.commit(user, preview, good_only=False, source="bench.csv")
    t3 = time.perf_counter()
    assert outcome["created_households"] == HOUSEHOLDS
    total = t3 - t0
    rate = HOUSEHOLDS / total
    print(f"parse {t1 - t0:.2f}s  validate {t2 - t1:.2f}s  write {t3 - t2:.2f}s  total {total:.2f}s")
    print(
        f"throughput: {rate:,.0f} households/s (target {TARGET:,.0f}/s) ratio to target: {rate / TARGET:.2f}"
    )
