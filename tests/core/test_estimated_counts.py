"""Lists of 10^5 rows and more show PostgreSQL's estimate of their length, labelled 约, instead of counting
every row on every page view; a list the planner expects to be short is counted exactly."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiuzhu.core import listing
from tests.helpers import client_for, make_household

pytestmark = pytest.mark.django_db


def _household_counts(queries) -> list[str]:
    return [
        q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(") and "registry_household" in q["sql"]
    ]


def test_a_short_list_is_counted_exactly():
    make_household()
    with CaptureQueriesContext(connection) as q:
        page = client_for("ab_caseworker").get("/registry/households/").content.decode()
    assert "共 1 条" in page
    assert "约" not in page.split('aria-label="分页"')[1][:200]
    assert _household_counts(q.captured_queries)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate is PostgreSQL's")
def test_a_long_list_shows_the_planners_estimate_labelled_as_such(monkeypatch):
    monkeypatch.setattr(listing, "EXACT_COUNT_BELOW", 1)  # every list is "long" for this test
    for _ in range(3):
        make_household()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_household")
    with CaptureQueriesContext(connection) as q:
        page = client_for("js_bureau").get("/registry/households/").content.decode()
    assert "共 约 " in page
    assert not _household_counts(q.captured_queries)  # no count of the rows …
    explained = [x["sql"] for x in q.captured_queries if x["sql"].startswith("EXPLAIN")]
    assert len(explained) == 1, explained  # … an estimate


def test_sqlite_has_no_estimate_and_counts(monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    monkeypatch.setattr(listing, "EXACT_COUNT_BELOW", 1)
    make_household()
    page = client_for("ab_caseworker").get("/registry/households/").content.decode()
    assert "共 1 条" in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate is PostgreSQL's")
def test_P7_the_finished_tab_estimates_the_due_tabs_stay_exact(monkeypatch):
    """The work queue's 办结 tab (every closed case of the scope, only growing) shows the estimate once long;
    the tabs of what is due or overdue are always counted."""
    from tests.helpers import approved, make_case

    monkeypatch.setattr(listing, "EXACT_COUNT_BELOW", 1)
    approved(make_case(make_household()))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    page = client_for("js_bureau").get("/cases/queue/").content.decode()
    finished = page.split('data-testid="tab-finished"')[1].split("</span>")[0]
    overdue = page.split('data-testid="tab-overdue"')[1].split("</span>")[0]
    assert "约 " in finished
    assert "约" not in overdue and overdue.endswith(">0")
