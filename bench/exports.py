"""Excel exports of 10^5 rows stream: first bytes within 2 s, memory that does not grow with the rows.

Data: the county of the page benchmark (`bench.pages.ensure_data`, 10^5 households on SQLite, 10^6 on
PostgreSQL; `BENCH_HOUSEHOLDS` to change). Exports: the household register, the case list and the list of
enrolments, as the bureau (js_bureau) sees them.

Two measurements:
- through the production server (gunicorn, DEBUG off): time to the first bytes, to the last byte, size and
  rows/s, with the ratio of the first-bytes time to the 2 s target;
- in this process, the same view through Django's test client with `tracemalloc` tracing: the peak of
  memory allocated while the whole file is produced, for the whole county and for one township's part of
  it — the same peak for ten times the rows is what "constant memory" means.
"""

from __future__ import annotations

import io
import os
import time
import tracemalloc

import requests
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from python_calamine import CalamineWorkbook

from bench import pages
from jiuzhu.cases.models import Case
from jiuzhu.core.exports import XLSX
from jiuzhu.orgs.models import User

FIRST_BYTES_TARGET = 2.0
# (label, the county's export, the filter of one township's part of it: a fraction of the rows)
EXPORTS = [
    ("家庭登记", "/registry/households/?export=xlsx", "area={township}"),
    ("救助申请", "/cases/?export=xlsx", "area={township}"),
    ("保障对象", "/benefits/?status=&export=xlsx", "township={township}"),
]


def _through_server(base: str, cookies: dict[str, str], url: str) -> tuple[float, float, int]:
    session = requests.Session()
    session.cookies.update(cookies)
    t0 = time.perf_counter()
    first = None
    size = 0
    with session.get(base + url, stream=True, timeout=600, allow_redirects=False) as r:
        if r.status_code != 200 or not r.headers.get("Content-Type", "").startswith(XLSX):
            raise SystemExit(
                f"{url}: {r.status_code} {r.headers.get('Content-Type')} {r.headers.get('Location')}"
            )
        for chunk in r.iter_content(64 * 1024):
            if first is None:
                first = time.perf_counter() - t0
            size += len(chunk)
    return first or 0.0, time.perf_counter() - t0, size


def _peak_in_process(client: Client, url: str) -> tuple[int, int]:
    response = client.get(url)
    tracemalloc.start()
    try:
        size = sum(len(chunk) for chunk in response.streaming_content)
        return tracemalloc.get_traced_memory()[1], size
    finally:
        tracemalloc.stop()
        response.close()


def _rows(url: str) -> int:
    client = Client()
    client.force_login(User.objects.get(username="js_bureau"))
    content = b"".join(client.get(url).streaming_content)
    return len(CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()) - 1


def run() -> None:
    pages.ensure_data()
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores", flush=True)
    with override_settings(DEBUG=False):
        rows = {url: _rows(url) for _, url, _ in EXPORTS}
    through_server(rows)
    if os.environ.get("BENCH_TRACE", "1") == "0":
        return
    with override_settings(DEBUG=False):
        client = Client()
        client.force_login(User.objects.get(username="js_bureau"))
        print("\nin process, tracemalloc peak while the whole file is written (county, then one township):")
        # a township with generated applications (the generator puts them in some villages only)
        township = Case.objects.filter(number__startswith="WB").values_list("township_code", flat=True)[0]
        for label, url, part in EXPORTS:
            peak, size = _peak_in_process(client, url)
            part_peak, part_size = _peak_in_process(client, f"{url}&{part.format(township=township)}")
            print(
                f"  {label:8s} {rows[url]:>9,} rows {size / 1e6:6.1f} MB file, peak {peak / 1e6:5.1f} MB; "
                f"one township {part_size / 1e6:5.2f} MB file, peak {part_peak / 1e6:5.1f} MB",
                flush=True,
            )


def through_server(rows: dict[str, int]) -> None:
    connection.close()
    port = pages._free_port()
    server = pages.start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        cookies = pages.login(base, "js_bureau")
        print(f"\nthrough gunicorn (DEBUG off), first bytes target ≤ {FIRST_BYTES_TARGET:.0f} s:")
        for label, url, _ in EXPORTS:
            first, total, size = _through_server(base, cookies, url)
            print(
                f"  {label:8s} {rows[url]:>9,} rows: first bytes {first:5.2f} s "
                f"(ratio {first / FIRST_BYTES_TARGET:4.2f}), whole file {total:6.1f} s, {size / 1e6:5.1f} MB, "
                f"{rows[url] / total:,.0f} rows/s",
                flush=True,
            )
        load = os.getloadavg()
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    finally:
        server.terminate()
        server.wait(30)
