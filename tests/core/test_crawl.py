"""No page a user can reach answers 5xx: every demo role follows every link from its home page two levels
deep (GET only, same origin), over the showcase world (cases in every state, payrolls, archives,
supervision). Also anonymous visitors from the portal.

Bounded so that it runs in the suite: URLs are grouped by their resolved URL pattern and query keys, and at
most `PER_PATTERN` of each group are visited per role (a case page in one state is not the same page as in
another, so more than one). Skipped, and why:
- the logout link (it would end the session the crawl is using; it is POST-only anyway);
- static files (served by WhiteNoise, not by a view);
- `export=xlsx`/`.xlsx`/`.zip`/PDF downloads after the first of their pattern, since rendering each is slow
  and the code path is the same for every record.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from importlib import import_module
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import Resolver404, resolve

from jiuzhu.core import clock, workdays
from tests.conftest import FROZEN_NOW
from tests.helpers import user

# One user per demo role (see jiuzhu/orgs/demo.py STAFF): county roles, a township, a village.
ROLE_USERS = [
    "js_admin",
    "js_secadmin",
    "js_auditadmin",
    "js_bureau",
    "js_inspector",
    "js_finance",
    "js_auditor",
    "js_verifier",
    "ab_caseworker",
    "ab_approver",
    "ab_verifier",
    "ab_assistant",
]
PER_PATTERN = 2
DOWNLOADS_PER_PATTERN = 1
SKIP_PREFIXES = ("/static/", "/accounts/logout/")
# What people paste or mistype into a filter: a quote, a negative number, a number too large for any
# column, a date before any policy took effect, the NUL character (PostgreSQL refuses it in text).
HOSTILE = ["'", "-1", "99999999999999999999", "0443-11-16", "\x00"]
DOWNLOAD_MARKERS = ("export=xlsx", ".xlsx", ".zip", ".pdf", "/pdf", "format=pdf", "download=1")


class _Page(HTMLParser):
    """hrefs of <a>, hx-get targets (htmx fragments a user's browser loads by itself) and the fields of
    GET forms (filters and searches)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, bool]] = []
        self.forms: list[tuple[str, list[str]]] = []
        self._form: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append((a["href"], False))
        if a.get("hx-get"):
            self.links.append((a["hx-get"], True))
        if tag == "form":
            get = (a.get("method") or "get").lower() == "get" and not a.get("hx-post")
            self._form = (a.get("action") or "", []) if get else None
            if self._form is not None:
                self.forms.append(self._form)
        elif (
            tag in ("input", "select", "textarea")
            and self._form is not None
            and a.get("name")
            and a.get("type") not in ("submit", "button", "reset", "file")
        ):
            self._form[1].append(a["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _same_origin(base: str, href: str) -> str | None:
    href = href.strip()
    if href.startswith(("#", "mailto:", "javascript:", "tel:", "data:")):
        return None
    url, _ = urldefrag(urljoin(base, href))
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None  # another origin
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if path.startswith(SKIP_PREFIXES) else path


def links_of(base: str, html: str) -> tuple[list[tuple[str, bool]], list[str]]:
    """Same-origin links (with whether htmx loads them), and GET forms filled with hostile values."""
    page = _Page()
    page.feed(html)
    links = [(path, htmx) for href, htmx in page.links if href and (path := _same_origin(base, href))]
    hostile = []
    targets = [(_same_origin(base, action or urlsplit(base).path), fields) for action, fields in page.forms]
    # Links with a query string too: the same parameters, typed by hand.
    targets += [(path, [k for k, _ in parse_qsl(urlsplit(path).query)]) for path, _ in links if "?" in path]
    for target, fields in targets:
        if target and fields and not is_download(target):
            target = urlsplit(target).path
            hostile += [f"{target}?{urlencode(dict.fromkeys(fields, value))}" for value in HOSTILE]
    return links, hostile


def pattern_of(path: str) -> str | None:
    """The URL pattern a path resolves to, with its query keys: pages of one kind share it."""
    parts = urlsplit(path)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True) if k not in ("page",)})
    return f"{match.route}?{'&'.join(keys)}"


def is_download(path: str) -> bool:
    return any(marker in path for marker in DOWNLOAD_MARKERS)


def crawl(client: Client, start: str = "/", depth: int = 2, filters_tried: Counter | None = None) -> dict:
    """Breadth-first from `start`: the start page, its links, and their links (depth 2). Returns what was
    visited and every failure. `filters_tried` counts hostile filter values per URL pattern; shared between
    roles, each filter is tried once in all (a view parses its query string the same way for every role)."""
    seen: set[str] = set()
    per_pattern: Counter[str] = Counter()
    forms_tried: Counter[str] = Counter() if filters_tried is None else filters_tried
    tried_before = sum(forms_tried.values())
    failures: list[str] = []
    not_found: list[str] = []
    statuses: Counter[int] = Counter()
    frontier = [(start, False, "(start)")]
    for level in range(depth + 1):
        next_frontier = []
        for path, htmx, source in frontier:
            if path in seen:
                continue
            seen.add(path)
            pattern = pattern_of(path)
            if pattern is None:
                not_found.append(f"{path} (linked from {source}: no such address)")
                continue
            limit = DOWNLOADS_PER_PATTERN if is_download(path) else PER_PATTERN
            if per_pattern[pattern] >= limit:
                continue
            per_pattern[pattern] += 1
            headers = {"HX-Request": "true"} if htmx else {}
            response = client.get(path, headers=headers, follow=True)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {path} (linked from {source})")
                continue
            if response.status_code == 404:
                not_found.append(f"{path} (linked from {source})")
            content_type = response.get("Content-Type", "")
            if level < depth and content_type.startswith("text/html") and not response.streaming:
                final = response.redirect_chain[-1][0] if response.redirect_chain else path
                links, hostile = links_of(final, response.content.decode())
                next_frontier += [(link, htmx, path) for link, htmx in links if link not in seen]
                for filled in hostile:
                    form_key = pattern_of(filled)
                    if form_key and filled not in seen and forms_tried[form_key] < len(HOSTILE):
                        forms_tried[form_key] += 1
                        seen.add(filled)
                        response = client.get(filled)
                        statuses[response.status_code] += 1
                        if response.status_code >= 500:
                            failures.append(f"{response.status_code} {filled} (a filter on {path})")
        frontier = next_frontier
    return {
        "visited": sum(per_pattern.values()),
        "patterns": len(per_pattern),
        "forms": sum(forms_tried.values()) - tried_before,
        "failures": failures,
        "not_found": not_found,
        "statuses": statuses,
    }


@pytest.fixture(scope="module")
def showcase(django_db_setup, django_db_blocker):
    """The showcase world of `make run`, loaded once for this module and rolled back after it."""
    from jiuzhu.orgs.management.commands.load_demo import SHOWCASE_MODULES

    with django_db_blocker.unblock(), transaction.atomic():
        # The rollback wrapper stands for the test's own transaction, as pytest-django's do: services that must
        # not run inside a caller's transaction (durable blocks, e.g. document issuance) treat it the same way.
        connection.atomic_blocks[-1]._from_testcase = True
        clock.freeze(FROZEN_NOW)
        workdays.invalidate()
        for name in SHOWCASE_MODULES:
            import_module(name).load()
        clock.unfreeze()
        yield
        transaction.set_rollback(True)
    workdays.invalidate()


FILTERS_TRIED: Counter[str] = Counter()


@pytest.mark.parametrize("username", ROLE_USERS)
def test_every_link_two_levels_deep_from_a_roles_home_page_answers_without_a_server_error(
    showcase, db, username
):
    client = Client(raise_request_exception=False)
    client.force_login(user(username))
    result = crawl(client, "/", filters_tried=FILTERS_TRIED)
    # The crawl did reach pages (the security and audit administrators have only a few: no business data).
    assert result["visited"] > (5 if username in ("js_secadmin", "js_auditadmin") else 10), result
    assert not result["failures"], "\n".join(result["failures"])
    assert not result["not_found"], "\n".join(result["not_found"])


def test_anonymous_visitors_reach_the_portal_and_login_without_a_server_error(showcase, db):
    client = Client(raise_request_exception=False)
    for start in ("/portal/", "/accounts/login/"):
        result = crawl(client, start)
        assert result["visited"] > 1, result
        assert not result["failures"], "\n".join(result["failures"])


class _StubSite:
    """A home page linking to a failing page, an unknown address and a filter form that fails on a quote."""

    def get(self, path, headers=None, follow=False):
        if path == "/":
            body = '<a href="/cases/">申请</a><a href="/nowhere/">?</a><form><input name="q"></form>'
            return _response(200, body)
        if path == "/cases/" or path.startswith("/?q=%27"):
            return _response(500)
        return _response(200)


def _response(status: int, body: str = ""):
    from django.http import HttpResponse

    response = HttpResponse(body, status=status)
    response.redirect_chain = []  # type: ignore[attr-defined]
    return response


def test_the_crawler_reports_server_errors_unknown_addresses_and_failing_filters():
    """The crawl does see failures (so that the tests above can fail)."""
    result = crawl(_StubSite(), "/")  # type: ignore[arg-type]
    assert result["failures"] == [
        "500 /?q=%27 (a filter on /)",
        "500 /cases/ (linked from /)",
    ]
    assert result["not_found"] == ["/nowhere/ (linked from /: no such address)"]
