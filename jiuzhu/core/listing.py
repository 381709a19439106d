"""Lists: filters, pagination and Excel export, the same way on every page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, QueryDict

PAGE_SIZES = (20, 50, 100, 200)


@dataclass
class Listing:
    page: Page
    querystring: str  # current filters without the page number, for pagination links
    total: int

    @property
    def object_list(self):
        return self.page.object_list


def paginate(request: HttpRequest, queryset, *, per_page: int = 50) -> Listing:
    try:
        size = int(request.GET.get("size", per_page))
    except ValueError:
        size = per_page
    size = size if size in PAGE_SIZES else per_page
    paginator = Paginator(queryset, size)
    page = paginator.get_page(request.GET.get("page"))
    params: QueryDict = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    return Listing(page=page, querystring=params.urlencode(), total=paginator.count)


def wants_export(request: HttpRequest) -> bool:
    return request.GET.get("export") == "xlsx"


def date_param(request: HttpRequest, name: str) -> date | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None
