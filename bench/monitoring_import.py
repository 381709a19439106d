"""比对 import of a department's monthly file of 10^6 people (BENCH_ROWS) against a registry of 10^5 people
(BENCH_REGISTERED); target ≥ 50 000 rows/s matched on PostgreSQL.

Measures what the import job does after the upload: read the CSV through core.tables, check every row (ID
check digit, date, record), turn each ID into its blind indexes (one prepared key per key set) and match them
chunk by chunk against the active members in scope — the scope's indexes read once (the file is larger than
the registry), or with BENCH_MATCH=query one query per chunk — apply the source's rule, then write the warnings
in one transaction. One row in ten is a registered person (BENCH_MATCH_EVERY). Baseline: the issue's target.

The machine is shared: besides wall rows/s it prints the process's CPU seconds per 10⁶ rows (what the code
costs, whatever else runs) and the load average before and after."""

from __future__ import annotations

import csv
import io
import os
import time
from datetime import date, timedelta

from django.db import connection

from jiuzhu.core import clock, idnumber, jobs, tables
from jiuzhu.monitoring import watch_import
from jiuzhu.monitoring.models.watch import MonitoringWarning
from jiuzhu.monitoring.sources import layout_of
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.registry.identity import id_fields
from jiuzhu.registry.models import Household, Member

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
REGISTERED = int(os.environ.get("BENCH_REGISTERED", "100000"))
MATCH_EVERY = int(os.environ.get("BENCH_MATCH_EVERY", "10"))
MATCH = os.environ.get("BENCH_MATCH", "auto")  # auto | query (one query per chunk, whatever the sizes)
TARGET = 50_000.0


def _number(k: int, area: str = "230502") -> str:
    day = date(1940, 1, 1) + timedelta(days=k // 450)
    return idnumber.make(f"{area}{day:%Y%m%d}{(k % 450) * 2 + 1:03d}")


def _registry(villages: list[str]) -> None:
    """REGISTERED one-person households, written directly (the registry import has its own bench)."""
    if Member.objects.filter(household__external_key__startswith="MB").count() >= REGISTERED:
        return
    Member.objects.filter(household__external_key__startswith="MB").delete()
    Household.objects.filter(external_key__startswith="MB").delete()
    now = clock.now()
    batch = 5000
    for start in range(0, REGISTERED, batch):
        households = Household.objects.bulk_create(
            [
                Household(
                    area_code=villages[k % len(villages)],
                    address=f"监测测试{k}号",
                    urban_rural="rural",
                    head_name=f"监测{k}",
                    external_key=f"MB{k:07d}",
                    created_at=now,
                    updated_at=now,
                )
                for k in range(start, min(start + batch, REGISTERED))
            ]
        )
        Member.objects.bulk_create(
            [
                Member(
                    household=h,
                    area_code=h.area_code,
                    name=h.head_name,
                    **id_fields(_number(int(h.external_key[2:]))),
                    birth_date=date(1960, 1, 1),
                    sex="M",
                    relation="head",
                    created_at=now,
                    updated_at=now,
                )
                for h in households
            ]
        )


def _file() -> bytes:
    """ROWS rows; every MATCH_EVERY-th a registered person (moved out of the county), the rest others."""
    text = io.StringIO()
    w = csv.writer(text)
    w.writerow(["身份证号", "姓名", "事项", "日期", "说明"])
    for i in range(ROWS):
        if i % MATCH_EVERY == 0 and i // MATCH_EVERY < REGISTERED:
            number = _number(i // MATCH_EVERY)
        else:
            number = _number(i, area="110101")  # residents elsewhere: not in this registry
        w.writerow([number, f"人员{i}", "迁出", "2026-11-01", ""])
    return text.getvalue().encode("utf-8")


def run() -> None:
    user = User.objects.get(username="js_bureau")
    villages = list(
        Jurisdiction.objects.filter(level=Level.VILLAGE, code__startswith="230502").values_list(
            "code", flat=True
        )
    )
    t0 = time.perf_counter()
    _registry(villages)
    MonitoringWarning.objects.filter(source="gongan", detail__contains="户籍迁出").delete()
    t_reg = time.perf_counter() - t0
    content = _file()
    load = os.getloadavg()
    print(
        f"database: {connection.vendor}; registry {REGISTERED:,} people ({t_reg:.1f}s to prepare); "
        f"file {ROWS:,} rows, {len(content) / 1048576:.1f} MB; load average {load[0]:.2f} {load[1]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )
    job = jobs.create(
        by=user, kind="monitoring_import", area_code="230502000000", params={"source": "gongan"}
    )
    layout = layout_of("gongan")
    today = clock.today()
    paths = []
    decide = watch_import.reads_whole_scope

    def chosen(rows_expected, members_in_scope):
        whole = MATCH != "query" and decide(rows_expected, members_in_scope)
        paths.append("scope's indexes read once" if whole else "one query per chunk")
        return whole

    watch_import.reads_whole_scope = chosen
    try:
        t1, c1 = time.perf_counter(), time.process_time()
        with tables.open_table("bench.csv", content) as table:
            out = watch_import.read_and_match(layout, table, user, job, today)
        t2, c2 = time.perf_counter(), time.process_time()
    finally:
        watch_import.reads_whole_scope = decide
    assert not out.errors, out.errors[:5]
    written = watch_import._write(job, user, layout, out)
    t3, c3 = time.perf_counter(), time.process_time()
    expected = min(REGISTERED, (ROWS + MATCH_EVERY - 1) // MATCH_EVERY)
    assert out.matched_people == expected, (out.matched_people, expected)
    rate = ROWS / (t2 - t1)
    total_rate = ROWS / (t3 - t1)
    print(
        f"read+check+match {t2 - t1:.2f}s ({out.matched_people:,} people matched, {len(out.warnings):,} warnings; "
        f"{paths[0]})  write {t3 - t2:.2f}s ({written['created']:,} created)"
    )
    per_million = 1_000_000 / ROWS
    print(
        f"CPU time of this process per 10^6 rows: {(c2 - c1) * per_million:.1f}s matching, "
        f"{(c3 - c1) * per_million:.1f}s with writing (the database server's not included)"
    )
    print(
        f"throughput: {rate:,.0f} rows/s matched, {total_rate:,.0f} rows/s with writing "
        f"(target {TARGET:,.0f}/s) ratio to target: {rate / TARGET:.2f} ({total_rate / TARGET:.2f} with writing)"
    )
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f}")
