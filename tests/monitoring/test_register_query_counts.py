"""The register's list, its filters and the API cost the same number of queries with a county of 60
households as with one of 360 (the list's first page is read off `register_list_order`, not sorted from
every row). The county is written set-based by the page benchmark's generator, then the register rebuilt."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiuzhu.monitoring import register_sync
from jiuzhu.monitoring.models import RegisterEntry
from tests.helpers import client_for

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the data generator writes SQLite SQL"),
]

PAGES = [
    "/monitoring/register/",
    "/monitoring/register/?category=dibao",
    "/monitoring/register/?township=230502200000",
    "/monitoring/register/?page=2&size=20",
    "/api/v1/register?page=2&page_size=20",
]


def grow(first: int, n: int) -> int:
    from bench.sqlite_world import generate

    generate(n, first=first)
    register_sync.rebuild(area_prefix="230502")
    return RegisterEntry.objects.count()


def counts(username: str) -> dict[str, int]:
    client = client_for(username)
    out = {}
    for url in PAGES:
        client.get(url)
        with CaptureQueriesContext(connection) as q:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        out[url] = len(q)
    return out


def test_register_pages_cost_the_same_queries_at_two_data_sizes():
    small_rows = grow(1, 60)
    small = {u: counts(u) for u in ("js_bureau", "ab_caseworker")}
    large_rows = grow(61, 300)
    large = {u: counts(u) for u in ("js_bureau", "ab_caseworker")}
    assert large_rows > small_rows * 3 > 0
    assert small == large


def test_the_first_page_is_read_off_the_index():
    grow(1, 60)
    from jiuzhu.monitoring.register_selectors import RegisterFilter, search_register
    from tests.helpers import user

    sql, sql_params = search_register(user("js_bureau"), RegisterFilter())[:50].query.sql_with_params()
    with connection.cursor() as c:
        c.execute("EXPLAIN QUERY PLAN " + sql, sql_params)
        plan = " ".join(str(row[-1]) for row in c.fetchall())
    assert "register_list_order" in plan and "TEMP B-TREE" not in plan, plan
