"""Lists: filters, pagination and Excel export, the same way on every page."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections
from django.http import HttpRequest, QueryDict

PAGE_SIZES = (20, 50, 100, 200)
# Lists whose planner estimate is at least this many rows show the estimate (约 …) instead of counting
# them: an exact count of 10^6 rows costs a scan on every page view and nobody reads its last digits.
EXACT_COUNT_BELOW = 10_000


@dataclass
class Listing:
    page: Page
    querystring: str  # current filters without the page number, for pagination links
    total: int
    estimated: bool = False

    @property
    def object_list(self):
        return self.page.object_list

    @property
    def total_label(self) -> str:
        return f"约 {self.total:,}" if self.estimated else str(self.total)


def planner_estimate(queryset) -> int | None:
    """PostgreSQL's estimate of the rows of a query (EXPLAIN, nothing is read); None elsewhere."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (e.g. `id__in=[]`): no query to plan
        return 0
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


@dataclass(frozen=True)
class Tally:
    """A count as shown: exact, or the planner's estimate ("约 …") for a large one."""

    n: int
    estimated: bool = False

    def __str__(self) -> str:
        return f"约 {self.n:,}" if self.estimated else str(self.n)

    def __bool__(self) -> bool:
        return self.n > 0


def tally(queryset) -> Tally:
    """Counts exactly when the planner expects fewer than EXACT_COUNT_BELOW rows, else takes its estimate."""
    estimate = planner_estimate(queryset)
    if estimate is None or estimate < EXACT_COUNT_BELOW:
        return Tally(queryset.count())
    return Tally(estimate, estimated=True)


class EstimatingPaginator(Paginator):
    """Counts exactly when the planner expects fewer than EXACT_COUNT_BELOW rows, else takes its estimate."""

    estimated = False

    @cached_property
    def count(self) -> int:
        if not hasattr(self.object_list, "query"):
            return super().count
        counted = tally(self.object_list)
        self.estimated = counted.estimated
        return counted.n


def paginate(request: HttpRequest, queryset, *, per_page: int = 50) -> Listing:
    try:
        size = int(request.GET.get("size", per_page))
    except ValueError:
        size = per_page
    size = size if size in PAGE_SIZES else per_page
    paginator = EstimatingPaginator(queryset, size)
    page = paginator.get_page(request.GET.get("page"))
    params: QueryDict = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    return Listing(
        page=page, querystring=params.urlencode(), total=paginator.count, estimated=paginator.estimated
    )


def wants_export(request: HttpRequest) -> bool:
    return request.GET.get("export") == "xlsx"


def int_param(request: HttpRequest, name: str, default: int, *, minimum: int, maximum: int) -> int:
    """A whole number from the query string; text, or a number out of range (a year -1, a page 10^20),
    falls back to the default: a filter a user mistyped shows the default list, never an error page."""
    try:
        value = int(request.GET.get(name, "").strip())
    except ValueError:
        return default
    return value if minimum <= value <= maximum else default


def choice_param(request: HttpRequest, name: str, values: Iterable, default: str = "") -> str:
    """One of `values` (e.g. `Level.values`) from the query string, else the default."""
    raw = request.GET.get(name, "")
    return raw if raw in {str(v) for v in values} else default


def year_param(request: HttpRequest, default: int, name: str = "year") -> int:
    """A calendar year for a yearly page; years outside 2000–2100 are not in any record of this system."""
    return int_param(request, name, default, minimum=2000, maximum=2100)


def date_param(request: HttpRequest, name: str) -> date | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None
