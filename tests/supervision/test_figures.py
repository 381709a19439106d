"""S5, S11: the dashboard shows stored figures with the time they were computed; they are recomputed when
stale, on demand (重新计算, audited) and from cron; one snapshot per jurisdiction scope, never shown to
another scope."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiuzhu.core import clock
from jiuzhu.core.models import AuditEvent
from jiuzhu.supervision.models import KpiSnapshot
from jiuzhu.supervision.services import figures
from tests.helpers import client_for, make_case, make_household, user

pytestmark = pytest.mark.django_db


def _open_cases(page: str, township: str) -> int:
    """The 在办件数 of a township in the backlog table of the page's data."""
    start = page.index('data-testid="kpi-backlog"')
    row = page[page.index(f'<td class="text-nowrap">{township}</td>', start) :]
    return int(row.split('<td class="text-nowrap">')[2].split("<")[0])


def test_dashboard_shows_stored_figures_with_their_time_until_recomputed():
    c = client_for("js_bureau")
    page = c.get("/supervision/").content.decode()
    assert "计算时间 2026-11-20 10:00" in page
    before = _open_cases(page, "安邦乡")
    assert KpiSnapshot.objects.count() == 1

    make_case(make_household())  # one more open application in 安邦乡
    clock.advance(timedelta(minutes=5))
    page = c.get("/supervision/").content.decode()
    assert _open_cases(page, "安邦乡") == before and "计算时间 2026-11-20 10:00" in page  # as stored

    r = c.post("/supervision/")
    assert r.status_code == 302
    page = c.get("/supervision/").content.decode()
    assert _open_cases(page, "安邦乡") == before + 1 and "计算时间 2026-11-20 10:05" in page
    event = AuditEvent.objects.get(action="figures.refresh")
    assert event.actor == user("js_bureau")


def test_stale_figures_are_recomputed_when_the_page_is_opened():
    c = client_for("js_inspector")
    before = _open_cases(c.get("/supervision/").content.decode(), "安邦乡")
    make_case(make_household())
    clock.advance(figures.FRESH_FOR + timedelta(minutes=1))
    page = c.get("/supervision/").content.decode()
    assert _open_cases(page, "安邦乡") == before + 1
    assert not AuditEvent.objects.filter(action="figures.refresh").exists()  # a read, not an action


def test_one_snapshot_per_scope_and_a_township_sees_only_its_own():
    client_for("js_bureau").get("/supervision/")
    client_for("js_inspector").get("/supervision/")  # same county: the same figures
    assert KpiSnapshot.objects.count() == 1
    page = client_for("ab_caseworker").get("/supervision/").content.decode()
    assert KpiSnapshot.objects.count() == 2
    assert "安邦乡" in page and "二马路街道" not in page


def test_cells_keep_their_types_for_charts_and_excel():
    tables, computed_at = figures.dashboard_tables(user("js_bureau"))
    again, _ = figures.dashboard_tables(user("js_bureau"))  # read back from the snapshot
    assert computed_at == clock.now()
    fresh = figures.compute(user("js_bureau"))
    assert [t.rows for t in again] == [t.rows for t in fresh] == [t.rows for t in tables]
    limits = [row[4] for row in again[2].rows]
    assert limits and all(isinstance(v, Decimal) for v in limits)


def test_cron_recomputes_every_scope_and_drops_those_of_users_who_left():
    client_for("js_bureau").get("/supervision/")
    client_for("ab_caseworker").get("/supervision/")
    make_case(make_household())
    clock.advance(timedelta(minutes=1))
    leaver = user("ab_caseworker")
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    call_command("refresh_figures", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(KpiSnapshot.objects.values_list("computed_at", flat=True)) == [clock.now()]


def test_the_dashboard_reads_a_snapshot_in_a_fixed_number_of_queries():
    c = client_for("js_bureau")
    c.get("/supervision/")
    with CaptureQueriesContext(connection) as small:
        c.get("/supervision/")
    for _ in range(3):
        make_case(make_household())
    with CaptureQueriesContext(connection) as large:
        c.get("/supervision/")
    assert len(large) == len(small)
    assert not any("cases_case" in q["sql"] and "COUNT" in q["sql"] for q in large.captured_queries)
