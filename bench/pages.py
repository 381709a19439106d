"""Issue 14: the pages people open all day, at province scale, through the production web server.

Data: `BENCH_HOUSEHOLDS` households (default 10^6 on PostgreSQL, 10^5 on SQLite) with cases, decisions and
enrolments from the generators of the warning-scan bench (`warnings_scan.generate` on PostgreSQL,
`sqlite_world.generate` on SQLite), a year of payroll history (`payroll.history`: twelve closed months of
ledger lines and paid payments, `BENCH_HISTORY_MONTHS`), one full warning scan for the warnings, the
low-income register of the enrolments in 安邦乡 (`BENCH_REGISTER_AREA`; "230502" for the whole county,
about 10 ms a household), and a monitoring (比对) warning for every 100th household. Generation is skipped
when the data is there already (household `WB1`, each month's run, the area's register, the warnings).

Serving: gunicorn with deploy/gunicorn.conf.py, DEBUG off, 2 workers × 4 threads (`BENCH_WORKERS`,
`BENCH_THREADS`). Each role logs in through the login page; its pages are its landing page, every entry of
its menu, the household and case searches, and the detail pages (household, case, enrolment, warning) it
reaches from its lists.

Figures: one client, `BENCH_SAMPLES` requests per page (after one warm-up; 3 for a page slower than 2 s),
p50 and p95 with the ratio of p95 to the target of 300 ms; then `BENCH_CLIENTS` (8) clients mixing all pages
for `BENCH_SECONDS` (30): throughput (target ≥ 20 requests/s), p95 (target ≤ 1 s) and errors (target 0).
"""

from __future__ import annotations

import base64
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from django.conf import settings
from django.db import connection
from django.urls import reverse

from jiuzhu.benefits.models import Enrolment
from jiuzhu.cases.deadlines import store
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import StepKind
from jiuzhu.cases.states import OPEN
from jiuzhu.core.navigation import menu_for
from jiuzhu.monitoring import register_sync
from jiuzhu.monitoring.models import RegisterEntry
from jiuzhu.monitoring.models.watch import MonitoringWarning
from jiuzhu.orgs.models import User
from jiuzhu.registry.models import Household

DEFAULT_HOUSEHOLDS = 1_000_000 if connection.vendor == "postgresql" else 100_000
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", str(DEFAULT_HOUSEHOLDS)))
HISTORY_MONTHS = int(os.environ.get("BENCH_HISTORY_MONTHS", "12"))
# The register is rebuilt household by household: 安邦乡 (the township roles' own) by default, "230502" for all.
REGISTER_AREA = os.environ.get("BENCH_REGISTER_AREA", "230502200")
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "30"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")
THREADS = os.environ.get("BENCH_THREADS", "4")
ROLES = os.environ.get("BENCH_ROLES", "js_bureau,js_inspector,ab_caseworker,ab_approver").split(",")
PAGE_TARGET, CONCURRENT_P95, CONCURRENT_RPS = 0.300, 1.0, 20.0
TIMEOUT = 120
ROOT = Path(__file__).resolve().parent.parent
# Pages that change something or start work when opened by GET are not "pages a role opens all day".
SKIP = {"logout"}


@dataclass
class Page:
    user: str
    label: str
    url: str
    times: list[float] = field(default_factory=list)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def ensure_data() -> None:
    from bench.payroll import history as payroll_history
    from jiuzhu.supervision import scan
    from jiuzhu.supervision.models import Alert, ScanTrigger

    if not Household.objects.filter(external_key="WB1").exists():
        print(f"generating {HOUSEHOLDS:,} households …", flush=True)
        t0 = time.perf_counter()
        if connection.vendor == "postgresql":
            from bench.warnings_scan import generate
        else:
            from bench.sqlite_world import generate
        generate(HOUSEHOLDS)
        print(f"data generated in {time.perf_counter() - t0:.1f}s", flush=True)
        t0 = time.perf_counter()
        # The generators write rows without the services: the stored deadlines (P7) are written here.
        accepted = Case.objects.filter(number__startswith="WB", steps__kind=StepKind.ACCEPT)
        cases = Case.objects.filter(pk__in=accepted.values("pk"), status__in=OPEN)
        n = store(
            cases.only("pk", "assistance_type", "township_code").order_by("pk").iterator(chunk_size=2000)
        )
        print(f"stored deadlines of {n:,} open cases in {time.perf_counter() - t0:.1f}s", flush=True)
    t0 = time.perf_counter()
    lines = payroll_history(HISTORY_MONTHS)
    if lines:
        print(f"payroll history: {lines:,} ledger lines in {time.perf_counter() - t0:.1f}s", flush=True)
    if not Alert.objects.filter(case__number__startswith="WB").exists():
        t0 = time.perf_counter()
        scan.scan(by=None, area_code="", trigger=ScanTrigger.NIGHTLY)
        print(f"warning scan in {time.perf_counter() - t0:.1f}s", flush=True)
    # The demo's households are on the register already; the generated ones of REGISTER_AREA are added once
    # (household by household through the register's own rebuild, about 10 ms each).
    enrolled = (
        Enrolment.objects.filter(case__number__startswith="WB", area_code__startswith=REGISTER_AREA)
        .values_list("household_id", flat=True)
        .first()
    )
    if enrolled is not None and not RegisterEntry.objects.filter(household_id=enrolled).exists():
        t0 = time.perf_counter()
        n = register_sync.rebuild(area_prefix=REGISTER_AREA)
        print(f"register of {n:,} households built in {time.perf_counter() - t0:.1f}s", flush=True)
    if not MonitoringWarning.objects.filter(dedup_key__startswith="bench-").exists():
        t0 = time.perf_counter()
        n = monitoring_warnings()
        print(f"monitoring warnings: {n:,} in {time.perf_counter() - t0:.1f}s", flush=True)
    # The tables were just bulk-written: give the planner their statistics now, as autovacuum would within a
    # minute or two in a running system (a page timed before that was planned for empty tables: 800 ms).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"data: {Household.objects.count():,} households on {connection.vendor} ({os.cpu_count()} cores)",
        flush=True,
    )


MONITORING_SQL = """
INSERT INTO monitoring_monitoringwarning (source, category, record, household_id, member_id, area_code,
  township_code, county_code, household_category, event_on, amount, detail, period, dedup_key, status, due_on,
  created_at, verify_method, verify_note, resolution, resolution_note)
SELECT 'renshe', 'income_up', '养老金', h.id, m.id, h.area_code, substr(h.area_code, 1, 9) || '000',
  '230502000000', 'dibao', %(today)s, 2000, '月收入增加', %(month)s, 'bench-' || h.id,
  CASE WHEN h.id %% 3 = 0 THEN 'verified' ELSE 'open' END, %(due)s, %(now)s, '', '', '', ''
FROM registry_household h JOIN registry_member m ON m.household_id = h.id AND m.relation = 'head'
WHERE h.external_key LIKE 'WB%%' AND h.id %% 100 = 0
"""


def monitoring_warnings() -> int:
    """A 人社 income warning for every 100th generated household (a third of them verified), set-based."""
    from datetime import timedelta

    from jiuzhu.core import clock
    from jiuzhu.core.dates import month_start

    today = clock.today()
    args = {
        "today": today,
        "month": month_start(today),
        "due": today + timedelta(days=10),
        "now": clock.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute(MONITORING_SQL, args)
        return cursor.rowcount


def pages_of(username: str) -> list[Page]:
    """The landing page, the menu, the searches and one detail page of each kind the role can open."""
    from jiuzhu.benefits.selectors import enrolments_visible_to
    from jiuzhu.cases.selectors import cases_visible_to
    from jiuzhu.core import clock
    from jiuzhu.core.dates import month_start
    from jiuzhu.orgs import authz
    from jiuzhu.payments.models import PayrollRun
    from jiuzhu.registry.selectors import households_visible_to
    from jiuzhu.supervision.selectors import alerts_visible_to

    user = User.objects.get(username=username)
    pages = [Page(username, "首页", "/")]
    for _section, items in menu_for(user):
        for item in items:
            if item["url"] not in {p.url for p in pages} and not any(s in item["url"] for s in SKIP):
                pages.append(Page(username, item["label"], item["url"]))
    household = households_visible_to(user).filter(external_key__startswith="WB").order_by("-id").first()
    if household is not None:
        number = household.external_key[2:]
        pages.append(Page(username, "家庭搜索（姓名）", f"{reverse('households')}?q=户主{number}"))
        # "户主12" is in the name of one household in ninety (户主12, 户主120…, 户主1200…): a common name.
        pages.append(Page(username, "家庭搜索（常见姓名）", f"{reverse('households')}?q=户主12"))
        pages.append(Page(username, "家庭详情", reverse("household_detail", args=[household.pk])))
    case = cases_visible_to(user).filter(number__startswith="WB").order_by("-id").first()
    if case is not None:
        pages.append(Page(username, "案件搜索（编号）", f"{reverse('cases')}?number={case.number}"))
        pages.append(Page(username, "案件详情", reverse("case_detail", args=[case.pk])))
    enrolment = enrolments_visible_to(user).order_by("-id").first() if _can_list_enrolments(pages) else None
    if enrolment is not None:
        pages.append(Page(username, "待遇详情", reverse("enrolment_detail", args=[enrolment.pk])))
    if household is not None and any(p.url == reverse("monitoring:warnings") for p in pages):
        pages.append(Page(username, "家庭监测链", reverse("monitoring:household_chain", args=[household.pk])))
        warning = (
            MonitoringWarning.objects.filter(authz.scope_q(user, "area_code"), dedup_key__startswith="bench-")
            .order_by("-id")
            .first()
        )
        if warning is not None:
            pages.append(
                Page(username, "监测预警详情", reverse("monitoring:warning_detail", args=[warning.pk]))
            )
        pages.append(
            Page(
                username,
                "监测月报",
                f"{reverse('monitoring:dashboard')}?month={month_start(clock.today()):%Y-%m}",
            )
        )
    entry = RegisterEntry.objects.filter(authz.scope_q(user, "area_code")).order_by("-id").first()
    if entry is not None and any(p.url == reverse("monitoring:register") for p in pages):
        pages.append(Page(username, "低收入人口详情", reverse("monitoring:register_detail", args=[entry.pk])))
    closed = (
        PayrollRun.objects.filter(
            county_code="230502000000", status="done", month__lt=month_start(clock.today())
        )
        .order_by("-month")
        .first()
    )
    if closed is not None and any(p.url == reverse("payroll") for p in pages):
        month = f"{closed.month:%Y-%m}"
        pages.append(Page(username, "发放批次", reverse("payroll_run", args=[closed.pk])))
        pages.append(Page(username, "台账（上月）", f"{reverse('ledger')}?month={month}"))
        pages.append(Page(username, "发放统计（上月）", f"{reverse('payment_statistics')}?month={month}"))
    if any(p.url == reverse("sup_alerts") for p in pages):
        alert = alerts_visible_to(user).filter(case__number__startswith="WB").order_by("-id").first()
        if alert is not None:
            pages.append(Page(username, "预警详情", reverse("sup_alert", args=[alert.pk])))
    return pages


def _can_list_enrolments(pages: list[Page]) -> bool:
    return any(p.url == reverse("enrolments") for p in pages)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop("JIUZHU_FROZEN_AT", None)
    env |= {
        "DEBUG": "false",
        # The generators and the demo wrote with this process's keys; the server must read with the same.
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": base64.b64encode(settings.KEYS.current.field_key).decode(),
        "BLIND_INDEX_KEY": base64.b64encode(settings.KEYS.current.index_key).decode(),
        "AUDIT_MAC_KEY": base64.b64encode(settings.KEYS.audit_key).decode(),
        "JIUZHU_KEY_VERSION": str(settings.KEYS.current.version),
        "JIUZHU_CRYPTO_SUITE": settings.KEYS.current.suite,
        "ALLOWED_HOSTS": "127.0.0.1",
        "JIUZHU_BIND": f"127.0.0.1:{port}",
        "JIUZHU_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "JIUZHU_WEB_WORKERS": WORKERS,
        "JIUZHU_WEB_THREADS": THREADS,
    }
    log = open(Path(os.environ["JIUZHU_MEDIA_ROOT"]) / "gunicorn.log", "wb")  # noqa: SIM115 - the server's
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "jiuzhu.wsgi", "--config", str(ROOT / "deploy/gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(120):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except requests.RequestException:
            time.sleep(0.5)
    server.kill()
    log.close()
    raise SystemExit("gunicorn did not start:\n" + Path(log.name).read_text(errors="replace")[-3000:])


def login(base: str, username: str) -> dict[str, str]:
    from jiuzhu.orgs.demo import DEMO_PASSWORD

    s = requests.Session()
    form = s.get(f"{base}/accounts/login/", timeout=TIMEOUT)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    if token is None:
        raise SystemExit("no CSRF token on the login page")
    r = s.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    if r.status_code != 302:
        raise SystemExit(f"login as {username} failed ({r.status_code})")
    if r.headers.get("Location", "").startswith(reverse("login_verify")):
        _second_factor(s, base, username)
    return s.cookies.get_dict()


def _second_factor(s: requests.Session, base: str, username: str) -> None:
    """The demo accounts' authenticator (the demo secret): this step's code, or the next one's when this
    step was used already by an earlier login of the same account (a code is accepted once)."""
    from jiuzhu.orgs import mfa
    from jiuzhu.orgs.demo import DEMO_TOTP_SECRET

    url = f"{base}{reverse('login_verify')}"
    step = mfa.current_step()
    for code in (mfa.code_at(DEMO_TOTP_SECRET, step), mfa.code_at(DEMO_TOTP_SECRET, step + 1)):
        form = s.get(url, timeout=TIMEOUT)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        r = s.post(
            url,
            data={"code": code, "csrfmiddlewaretoken": token.group(1) if token else ""},
            headers={"Referer": url},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        if r.status_code == 302:
            return
    raise SystemExit(f"second factor of {username} refused")


def fetch(session: requests.Session, base: str, page: Page) -> tuple[float, str]:
    """Seconds and what went wrong ("" for a 200): the status, or the exception's name."""
    t0 = time.perf_counter()
    try:
        r = session.get(base + page.url, allow_redirects=False, timeout=TIMEOUT)
        problem = "" if r.status_code == 200 else f"HTTP {r.status_code}"
    except requests.RequestException as exc:
        problem = type(exc).__name__
    return time.perf_counter() - t0, problem


def single_client(base: str, pages: list[Page], cookies: dict[str, dict[str, str]]) -> list[str]:
    errors = []
    sessions = {u: requests.Session() for u in cookies}
    for u, c in cookies.items():
        sessions[u].cookies.update(c)
    print(f"\none client, {SAMPLES} requests per page (p95 target {PAGE_TARGET * 1000:.0f} ms):", flush=True)
    print(f"  {'role':14s} {'page':22s} {'p50 ms':>8s} {'p95 ms':>8s} {'p95/target':>10s}  url")
    for page in pages:
        first, problem = fetch(sessions[page.user], base, page)
        if problem:
            errors.append(f"{page.user} {page.url} ({problem})")
        n = SAMPLES if first < 2 else 3
        for _ in range(n):
            seconds, problem = fetch(sessions[page.user], base, page)
            page.times.append(seconds)
            if problem:
                errors.append(f"{page.user} {page.url} ({problem})")
        mid, high = statistics.median(page.times), p95(page.times)
        mark = "" if high <= PAGE_TARGET else "  OVER"
        print(
            f"  {page.user:14s} {page.label:22s} {mid * 1000:8.0f} {high * 1000:8.0f} "
            f"{high / PAGE_TARGET:10.2f}  {page.url}{mark}",
            flush=True,
        )
    return errors


def concurrent(base: str, pages: list[Page], cookies: dict[str, dict[str, str]]) -> None:
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + SECONDS

    def client(seed: int) -> None:
        sessions = {u: requests.Session() for u in cookies}
        for u, c in cookies.items():
            sessions[u].cookies.update(c)
        order = random.Random(seed)
        while time.perf_counter() < stop_at:
            page = order.choice(pages)
            seconds, problem = fetch(sessions[page.user], base, page)
            with lock:
                times.append(seconds)
                if problem:
                    errors.append(f"{page.url} ({problem}, {seconds:.1f} s)")

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    rate = len(times) / elapsed
    print(f"\n{CLIENTS} clients mixing {len(pages)} pages for {elapsed:.0f}s: {len(times):,} requests")
    print(
        f"  throughput {rate:.1f} requests/s (target ≥ {CONCURRENT_RPS:.0f}) ratio {rate / CONCURRENT_RPS:.2f}"
    )
    if times:
        high = p95(times)
        print(
            f"  p95 {high * 1000:.0f} ms (target ≤ {CONCURRENT_P95 * 1000:.0f} ms) ratio {high / CONCURRENT_P95:.2f}"
        )
    print(f"  errors {len(errors)} (target 0){': ' + ', '.join(sorted(set(errors))[:5]) if errors else ''}")


def run() -> None:
    ensure_data()
    pages = [p for username in ROLES for p in pages_of(username)]
    connection.close()
    port = _free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        cookies = {u: login(base, u) for u in ROLES}
        print(f"gunicorn: {WORKERS} workers × {THREADS} threads, DEBUG off, {base}", flush=True)
        errors = single_client(base, pages, cookies)
        over = [p for p in pages if p95(p.times) > PAGE_TARGET]
        print(f"\npages over target: {len(over)} of {len(pages)}; errors: {len(errors)} {errors[:5]}")
        concurrent(base, pages, cookies)
    finally:
        server.terminate()
        server.wait(30)
