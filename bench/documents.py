"""Issue 11: issuing official documents (文号, WeasyPrint PDF) never holds a long write transaction.

Two measurements on the demo world, through the service the pages call (`cases.documents.issue`):
1. one user issuing documents one after another: p95 per document, target ≤ 1 s;
2. four users (two of them in one township, so one number sequence) issuing at once in separate
   processes while a warning scan (S6) runs in another, and a fifth user opening a page again and again:
   no "database is locked" anywhere, and that page's p95 ≤ 1 s.

Prints the figures and their ratio to the target. `BENCH_DOCS` (default 20) sets documents per user.
Runs on PostgreSQL (`make bench BENCH=documents`) and on SQLite (`make bench BENCH=documents DB=sqlite`).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
import traceback

from django.db import connection, connections

from jiuzhu.cases import documents as case_documents
from jiuzhu.cases.models import Case
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm

DOCS = int(os.environ.get("BENCH_DOCS", "20"))
TARGET = 1.0
ISSUERS = ["ab_caseworker", "ab_assistant", "emr_caseworker", "emr_assistant"]
READER = "js_bureau"
PAGE = "/cases/"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _case_for(user: User) -> Case:
    for case in Case.objects.order_by("id"):
        if authz.can(user, Perm.CASE_CREATE, case.area_code):
            return case
    raise SystemExit(f"no case {user.username} may issue documents for")


def _issue(username: str, n: int, cpu: list[float] | None = None) -> list[float]:
    user = User.objects.get(username=username)
    case = _case_for(user)
    times = []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        case_documents.issue(by=user, case=case, kind="application_form")
        times.append(time.perf_counter() - t0)
        if cpu is not None:
            cpu.append(time.process_time() - c0)
    return times


def _child(role: str, arg: str, stop, out) -> None:
    """One process of the concurrent phase: an issuer, the scan, or the page reader."""
    connections.close_all()
    times: list[float] = []
    errors: list[str] = []
    try:
        if role == "issuer":
            times = _issue(arg, DOCS)
        elif role == "scan":
            from jiuzhu.supervision import scan
            from jiuzhu.supervision.models import ScanTrigger

            while not stop.is_set():
                t0 = time.perf_counter()
                scan.scan(by=None, area_code="", trigger=ScanTrigger.NIGHTLY)
                times.append(time.perf_counter() - t0)
        else:
            from django.test import Client

            client = Client()
            client.force_login(User.objects.get(username=arg))
            while not stop.is_set():
                t0 = time.perf_counter()
                response = client.get(PAGE)
                times.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    errors.append(f"{PAGE} answered {response.status_code}")
                time.sleep(0.2)
    except Exception:  # noqa: BLE001 - every error of a child is counted and printed by the bench
        errors.append(traceback.format_exc())
    out.put((role, arg, times, errors))


def run() -> None:
    vendor = connection.vendor
    print(f"  database: {vendor}, {DOCS} documents per user", flush=True)
    _issue(ISSUERS[0], 1)  # warm up: fonts, template cache

    cpu: list[float] = []
    sequential = _issue(ISSUERS[0], DOCS, cpu)
    seq_p95 = p95(sequential)
    print(
        f"  one after another: {len(sequential)} documents, median {statistics.median(sequential):.2f}s, "
        f"p95 {seq_p95:.2f}s (target ≤ {TARGET:.0f}s, ratio {seq_p95 / TARGET:.2f}); "
        f"CPU per document median {statistics.median(cpu):.2f}s, p95 {p95(cpu):.2f}s "
        f"(machine load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
        flush=True,
    )

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    stop, out = ctx.Event(), ctx.Queue()
    background = [ctx.Process(target=_child, args=("scan", "", stop, out))]
    background.append(ctx.Process(target=_child, args=("reader", READER, stop, out)))
    issuers = [ctx.Process(target=_child, args=("issuer", name, stop, out)) for name in ISSUERS]
    t0 = time.perf_counter()
    for p in background + issuers:
        p.start()
    # The scan and the reader report only once stopped: the first results are the issuers'.
    results = [out.get(timeout=1800) for _ in issuers]
    stop.set()
    results += [out.get(timeout=600) for _ in background]
    for p in background + issuers:
        p.join(timeout=60)
    wall = time.perf_counter() - t0

    issued = [t for role, _, times, _ in results if role == "issuer" for t in times]
    page = [t for role, _, times, _ in results if role == "reader" for t in times]
    scans = [t for role, _, times, _ in results if role == "scan" for t in times]
    errors = [e for _, _, _, errs in results for e in errs]
    locked = [e for e in errors if "locked" in e.lower()]
    page_p95 = p95(page) if page else float("inf")
    print(
        f"  four users at once with a warning scan running: {len(issued)} documents in {wall:.1f}s, "
        f"per document median {statistics.median(issued):.2f}s, p95 {p95(issued):.2f}s; "
        f"{len(scans)} scans (median {statistics.median(scans) if scans else 0:.2f}s)",
        flush=True,
    )
    print(
        f"  a page ({PAGE}) opened meanwhile: {len(page)} requests, median "
        f"{statistics.median(page) if page else 0:.2f}s, p95 {page_p95:.2f}s "
        f"(target ≤ {TARGET:.0f}s, ratio {page_p95 / TARGET:.2f})",
        flush=True,
    )
    print(f"  errors: {len(errors)}, of which 'database is locked': {len(locked)}", flush=True)
    for error in errors[:3]:
        print("   ", error.strip().splitlines()[-1], flush=True)
    ok = seq_p95 <= TARGET and page_p95 <= TARGET and not errors
    print(f"  {'PASS' if ok else 'FAIL'}", flush=True)
