"""No page's cost grows with the rows it does not show: every landing page, list, queue and dashboard a
township or bureau role reaches from its menu runs the same number of queries with a county of 60
households as with one of 360 (cases, decisions, enrolments, open applications, warnings).

The county is written set-based by the page benchmark's generator (`bench/sqlite_world.py`), so this runs
on SQLite; on PostgreSQL the same ORM code issues the same queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiuzhu.cases.deadlines import store
from jiuzhu.cases.models import Case
from jiuzhu.core.navigation import menu_for
from jiuzhu.supervision import scan
from jiuzhu.supervision.models import ScanTrigger
from tests.helpers import client_for, user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the data generator writes SQLite SQL"),
]

ROLES = ["js_bureau", "js_inspector", "ab_caseworker", "ab_approver"]
EXTRA = [
    "/cases/queue/?q=done",
    "/cases/queue/?q=finished",
    "/cases/queue/?q=overdue",
    "/cases/queue/?q=warning",
    "/cases/deadlines/?show=all",
    "/registry/households/?q=户主",
    "/cases/?q=户主",
]


def grow(first: int, n: int) -> None:
    from bench.sqlite_world import generate

    generate(n, first=first)
    store(Case.objects.filter(number__startswith="WB").order_by("pk"))
    scan.scan(by=None, area_code="", trigger=ScanTrigger.NIGHTLY)


def counts(pages: dict[str, list[str]]) -> dict[tuple[str, str], int]:
    out = {}
    for username, urls in pages.items():
        client = client_for(username)
        for url in urls:
            client.get(url)  # once before counting: a first visit may set up the session
            with CaptureQueriesContext(connection) as q:
                response = client.get(url)
            assert response.status_code == 200, (username, url, response.status_code)
            out[(username, url)] = len(q)
    return out


def test_every_list_and_landing_page_costs_the_same_queries_at_two_data_sizes():
    pages = {u: ["/", *[i["url"] for _, items in menu_for(user(u)) for i in items], *EXTRA] for u in ROLES}
    grow(1, 60)
    small = counts(pages)
    grow(61, 300)
    large = counts(pages)
    grown = {k: (small[k], large[k]) for k in small if small[k] != large[k]}
    assert not grown, f"query counts that grow with the data (page: small, large): {grown}"
