"""Convention 10: every page and endpoint of the documents app, for every role, in scope (200), out of
scope (404) and forbidden (403)."""

import pytest
from django.test import Client

from jiuzhu.documents import services
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.orgs.models import DelegationGrant
from tests.documents.conftest import pdf_bytes, upload
from tests.helpers import (
    ALL_JIANSHAN_USERS,
    ANBANG,
    ANBANG_USERS,
    COUNTY_USERS,
    DATONG,
    QIJIANG,
    client_for,
    user,
)

pytestmark = pytest.mark.django_db

COUNTY = set(COUNTY_USERS.values())
SEES_ANBANG = COUNTY | (set(ANBANG_USERS.values()) - {"ab_assistant"})
EVERYONE = set(ALL_JIANSHAN_USERS)
BUREAU = {"js_bureau"}  # delegation_manage and template_edit


def expected(username: str, *, scope: set[str], allowed: set[str] | None = None) -> int:
    if username not in scope:
        return 404
    if allowed is not None and username not in allowed:
        return 403
    return 200


@pytest.fixture
def world(fast_pdf):
    anbang = DelegationGrant.objects.get(township_id=ANBANG, category="dibao")
    datong = DelegationGrant.objects.filter(township_id=DATONG).first()
    letter = services.delegation_letter_issue(by=user("js_bureau"), grant=anbang)
    other = services.delegation_letter_issue(by=user("qj_bureau"), grant=datong)
    scan = services.attachment_store(
        by=user("js_bureau"),
        upload=upload("盖章件.pdf", pdf_bytes()),
        kind="scan",
        area_code=ANBANG,
        owner=letter,
    )
    return {"grant": anbang, "letter": letter, "other": other, "scan": scan, "qj_grant": datong}


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_pages_for_every_role(username, world):
    c = client_for(username)
    letter, other, grant = world["letter"], world["other"], world["grant"]
    cases = [
        ("/documents/", 200),
        (f"/documents/{letter.pk}/", expected(username, scope=SEES_ANBANG)),
        (f"/documents/{letter.pk}/pdf/", expected(username, scope=SEES_ANBANG)),
        (f"/documents/{other.pk}/", 404),
        (f"/documents/{other.pk}/pdf/", 404),
        (f"/documents/attachments/{world['scan'].pk}/", expected(username, scope=SEES_ANBANG)),
        (f"/documents/delegation-letter/{grant.pk}/", expected(username, scope=SEES_ANBANG, allowed=BUREAU)),
        (f"/documents/delegation-letter/{world['qj_grant'].pk}/", 404),
        (f"/orgs/delegation/{grant.pk}/", expected(username, scope=SEES_ANBANG)),
        ("/documents/templates/", expected(username, scope=EVERYONE, allowed=BUREAU)),
        ("/documents/templates/delegation_letter/", expected(username, scope=EVERYONE, allowed=BUREAU)),
        (
            "/documents/templates/delegation_letter/history/",
            expected(username, scope=EVERYONE, allowed=BUREAU),
        ),
        (
            f"/documents/templates/delegation_letter/?county={QIJIANG}",
            expected(username, scope=EVERYONE, allowed=BUREAU) if username not in BUREAU else 404,
        ),
    ]
    for url, status in cases:
        assert c.get(url).status_code == status, (username, url)
    listed = c.get("/documents/").content.decode()
    assert (letter.number in listed) == (username in SEES_ANBANG), username
    assert other.number not in listed


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_writes_through_pages_for_every_role(username, world):
    c = client_for(username)
    letter = world["letter"]
    html = world_template_html()
    want = expected(username, scope=EVERYONE, allowed=BUREAU)
    preview = c.post("/documents/templates/delegation_letter/preview/", {"html": html})
    assert preview.status_code == want, username
    save = c.post(
        "/documents/templates/delegation_letter/",
        {"html": html.replace("业务指导", "业务指导。"), "note": ""},
    )
    assert save.status_code == (302 if want == 200 else want), username
    restore = c.post("/documents/templates/delegation_letter/restore/")
    assert restore.status_code == (302 if want == 200 else want), username
    upload_want = expected(username, scope=SEES_ANBANG, allowed=BUREAU)
    scan = c.post(
        f"/documents/{letter.pk}/",
        {"action": "upload", "a-kind": "scan", "a-file": upload("件.pdf", pdf_bytes())},
    )
    assert scan.status_code == (302 if upload_want == 200 else upload_want), username
    revoke = c.post(f"/documents/{letter.pk}/", {"action": "revoke", "v-reason": "测试"})
    assert revoke.status_code == (302 if upload_want == 200 else upload_want), username
    issue = c.post(
        f"/documents/delegation-letter/{world['grant'].pk}/",
        {"plan_name": "《方案》", "legal_basis": "《社会救助暂行办法》"},
    )
    assert issue.status_code == (302 if upload_want == 200 else upload_want), username
    assert (
        c.post(f"/documents/{world['other'].pk}/", {"action": "revoke", "v-reason": "x"}).status_code == 404
    )


def world_template_html() -> str:
    from jiuzhu.documents.kinds import get

    return get("delegation_letter").default_html()


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_api_for_every_role(username, world):
    c = client_for(username)
    letter, other = world["letter"], world["other"]
    listing = c.get("/api/v1/documents?page_size=500")
    assert listing.status_code == 200
    numbers = {d["number"] for d in listing.json()["items"]}
    assert (letter.number in numbers) == (username in SEES_ANBANG) and other.number not in numbers
    assert c.get(f"/api/v1/documents/{letter.pk}").status_code == expected(username, scope=SEES_ANBANG)
    assert c.get(f"/api/v1/documents/{letter.pk}/pdf").status_code == expected(username, scope=SEES_ANBANG)
    assert c.get(f"/api/v1/documents/{other.pk}").status_code == 404
    assert c.get(f"/api/v1/documents/{other.pk}/pdf").status_code == 404
    assert c.get(f"/api/v1/attachments/{world['scan'].pk}").status_code == expected(
        username, scope=SEES_ANBANG
    )
    body = c.get(f"/api/v1/documents/{other.pk}").json()
    assert set(body) == {"code", "message", "errors"}


def test_api_detail_and_filters(world):
    c = client_for("js_bureau")
    letter = world["letter"]
    detail = c.get(f"/api/v1/documents/{letter.pk}").json()
    assert detail["number"] == letter.number and detail["authority"] == "尖山区人民政府"
    assert detail["verify_url"].endswith(f"/verify/{letter.uuid}/?h={letter.verify_code}")
    assert c.get("/api/v1/documents?kind=approval_notice").json()["count"] == 0
    assert c.get("/api/v1/documents?kind=delegation_letter&number=尖政委").json()["count"] == 1
    assert c.get("/api/v1/documents?issued_from=2026-11-21").json()["count"] == 0


def test_anonymous_users(world):
    anonymous = Client()
    letter = world["letter"]
    assert anonymous.get("/documents/").status_code == 302
    assert anonymous.get(f"/documents/{letter.pk}/pdf/").status_code == 302
    assert anonymous.get("/api/v1/documents").status_code == 401
    assert anonymous.get(f"/verify/{letter.uuid}/?h={letter.verify_code}").status_code == 200
    assert anonymous.get(f"/api/v1/documents/verify/{letter.uuid}?h={letter.verify_code}").status_code == 200


def test_list_filters_and_export(world):
    c = client_for("js_bureau")
    page = c.get("/documents/?kind=delegation_letter&number=尖政委").content.decode()
    assert world["letter"].number in page
    assert world["letter"].number not in c.get("/documents/?kind=approval_notice").content.decode()
    assert world["letter"].number not in c.get("/documents/?from=2026-11-21").content.decode()
    export = c.get("/documents/?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    assert IssuedDocument.objects.count() == 2


def test_openapi_lists_the_documents_endpoints():
    paths = client_for("js_bureau").get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/documents",
        "/api/v1/documents/{document_id}",
        "/api/v1/documents/{document_id}/pdf",
        "/api/v1/documents/verify/{doc_uuid}",
        "/api/v1/documents/verify/{doc_uuid}/pdf",
        "/api/v1/attachments/{attachment_id}",
    ):
        assert path in paths
