"""PI1, the mask rule (core.masking): nothing a user is shown without a logged reveal — pages, exports, API
responses, the event feed, documents — combines into a full ID number. Walks every page reachable from a
household and its case, and every GET endpoint of the API that names a household, case or member, for every
role, and fails on a member's full ID number or full birth date (in any usual spelling)."""

from __future__ import annotations

import io
import json
import re
from collections import deque
from datetime import date, timedelta

import pytest
from django.test import Client

from jiuzhu.core import clock, crypto
from jiuzhu.registry.models import Member
from tests.helpers import EVERY_USER, client_for, make_case, make_household, member, new_id

pytestmark = pytest.mark.django_db

BIRTHS = {"周建国": "19790317", "吴秀英": "19810823", "周小雨": "20120509"}
MAX_PAGES = 90
SKIP = ("/accounts/logout", "/static/", "/api/v1/docs", "/api/v1/openapi", "/portal/", "/verify/", "/board/")
HREF = re.compile(r'href="(/[^"#]*)"')


def spellings(born: date) -> list[str]:
    return [
        f"{born:%Y-%m-%d}",
        f"{born:%Y/%m/%d}",
        f"{born:%Y.%m.%d}",
        f"{born:%Y%m%d}",
        f"{born:%Y年%m月%d日}",
        f"{born.year}年{born.month}月{born.day}日",
        f"{born.year}-{born.month}-{born.day}",
    ]


@pytest.fixture
def world():
    household = make_household(
        members=[
            member("周建国", id_number=new_id(birth=BIRTHS["周建国"])),
            member("吴秀英", "spouse", id_number=new_id(birth=BIRTHS["吴秀英"], female=True)),
            member("周小雨", "child", id_number=new_id(birth=BIRTHS["周小雨"], female=True)),
        ]
    )
    case = make_case(household)
    clock.advance(timedelta(seconds=20))  # the event feed shows settled events
    forbidden: list[str] = []
    members = list(Member.objects.filter(household=household))
    for m in members:
        forbidden.append(crypto.decrypt(m.id_cipher, purpose="id_number"))
        forbidden.extend(spellings(m.birth_date))
    return household, case, members, forbidden


def text_of(response) -> str:
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in kind:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            " ".join(str(v) for v in row if v is not None)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
        )
    if "pdf" in kind or "zip" in kind or "image" in kind:
        return ""
    return body.decode("utf-8", "replace")


def leaks(text: str, forbidden: list[str]) -> list[str]:
    return [value for value in forbidden if value in text]


def crawl(c: Client, seeds: list[str], forbidden: list[str]) -> tuple[int, list[str]]:
    seen, queue, found = set(), deque(seeds), []
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP) or "format=pdf" in url:
            continue
        seen.add(url)
        response = c.get(url)
        if response.status_code != 200:
            continue
        text = text_of(response)
        found += [f"{url}: {value}" for value in leaks(text, forbidden)]
        if "text/html" in response.get("Content-Type", ""):
            queue.extend(h.replace("&amp;", "&") for h in HREF.findall(text))
    return len(seen), found


def api_urls(household, case, members) -> list[str]:
    from jiuzhu.routers import api

    schema = api.get_openapi_schema()
    values = {"household_id": household.pk, "case_id": case.pk, "member_id": members[0].pk}
    urls = []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        names = re.findall(r"{(\w+)}", path)
        if any(name not in values for name in names):
            continue
        urls.append(re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), path))
    return urls


@pytest.mark.parametrize("username", EVERY_USER)
def test_no_page_export_or_api_response_completes_an_id_number(username, world):
    household, case, members, forbidden = world
    c = client_for(username)
    c.raise_request_exception = False  # a page that fails is not this test's business (it shows nothing)
    seeds = [
        "/",
        f"/registry/households/{household.pk}/",
        f"/registry/households/{household.pk}/edit/",
        f"/registry/members/{members[0].pk}/edit/",
        "/registry/households/?export=xlsx",
        f"/cases/{case.pk}/",
        "/cases/?export=xlsx",
        f"/archive/households/{household.pk}/",
        "/settings/audit/",
        "/settings/audit/?export=xlsx",
    ]
    pages, found = crawl(c, seeds, forbidden)
    assert pages > 5
    for url in api_urls(household, case, members):
        response = c.get(url if "?" in url else url + "?page_size=500")
        if response.status_code == 200:
            found += [f"{url}: {value}" for value in leaks(text_of(response), forbidden)]
    assert found == [], found[:10]


def test_the_rule_holds_in_the_documents_of_the_case(world):
    from jiuzhu.cases.documents import CASE_DOCS
    from jiuzhu.documents import kinds, rendering

    _household, case, _members, forbidden = world
    checked = 0
    for spec in CASE_DOCS:
        if not spec.available(case):
            continue
        context = spec.context(case)
        html = rendering.render_html(kinds.KINDS[spec.kind].default_html(), {**context, "doc": {}})
        assert leaks(html + json.dumps(context, default=str, ensure_ascii=False), forbidden) == [], spec.kind
        checked += 1
    assert checked >= 3  # the application form, authorisation and commitment letter at least


def test_a_reveal_is_the_only_way_to_the_full_number_and_it_is_logged(world):
    from jiuzhu.core.models import AuditEvent

    _household, _case, members, _forbidden = world
    number = crypto.decrypt(members[0].id_cipher, purpose="id_number")
    r = client_for("ab_caseworker").post(f"/registry/members/{members[0].pk}/reveal/")
    assert number in r.content.decode()
    assert AuditEvent.objects.filter(action="pii.reveal_id", object_id=str(members[0].pk)).exists()
    assert client_for("ab_assistant").post(f"/registry/members/{members[0].pk}/reveal/").status_code == 403
