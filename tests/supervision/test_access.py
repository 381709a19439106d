"""Every supervision page and endpoint for every role in and out of scope: 200 / 403 / 404."""

import pytest

from tests.helpers import ALL_JIANSHAN_USERS, ANBANG_USERS, COUNTY_USERS, client_for

pytestmark = pytest.mark.django_db

COUNTY = set(COUNTY_USERS.values())
ANBANG_STAFF = {"ab_caseworker", "ab_approver"}
SEES_ANBANG = COUNTY | set(ANBANG_USERS.values())
SEES_ANBANG_TOWNSHIP = SEES_ANBANG - {"ab_assistant"}  # township-level records; the assistant sees a village
# S8: the township's handlers see a complaint only once the bureau has handed it to them; the world's is not.
NOT_HANDED_YET = SEES_ANBANG_TOWNSHIP - {"ab_caseworker", "ab_approver"}
SUPERVISE = {"js_inspector"}
COMPLAINTS = {"js_bureau", "js_inspector", "ab_caseworker", "ab_approver", "emr_caseworker", "emr_approver"}
HANDLE = {"ab_caseworker", "ab_approver", "emr_caseworker", "emr_approver"}
EVERYONE = set(ALL_JIANSHAN_USERS)


def expected(username, *, allowed=None, scope=SEES_ANBANG, ok=200):
    if username not in scope:
        return 404
    if allowed is not None and username not in allowed:
        return 403
    return ok


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_supervision_pages_for_every_role(username, world):
    c = client_for(username)
    w = world
    # lists: open to every role (scoped content), complaints only to their handlers
    for url in [
        "/supervision/",
        "/supervision/samples/",
        "/supervision/inspections/",
        "/supervision/findings/",
        "/supervision/alerts/",
        "/supervision/alerts/rules/",
        "/supervision/matters/",
        "/supervision/scores/",
        "/supervision/funds/",
        "/supervision/capacity/",
    ]:
        assert c.get(url).status_code == 200, url
        assert (
            c.get(url + "?export=xlsx" + ("&table=backlog" if url == "/supervision/" else "")).status_code
            == 200
        ), url
    assert c.get("/supervision/complaints/").status_code == expected(
        username, scope=EVERYONE, allowed=COMPLAINTS
    )
    assert c.get("/supervision/complaints/new/").status_code == expected(
        username, scope=EVERYONE, allowed=COMPLAINTS
    )
    assert c.get("/supervision/queue/").status_code == expected(username, scope=EVERYONE, allowed=HANDLE)
    assert c.get("/supervision/checklists/").status_code == expected(
        username, scope=EVERYONE, allowed=SUPERVISE
    )
    assert c.get("/supervision/matters/new/").status_code == expected(
        username, scope=EVERYONE, allowed=SUPERVISE
    )
    # objects in 安邦乡 (samples are the county's)
    assert c.get(f"/supervision/samples/{w.sample.pk}/").status_code == expected(username, scope=COUNTY)
    assert c.get(f"/supervision/inspections/{w.inspection.pk}/").status_code == expected(username)
    assert c.get(f"/supervision/findings/{w.finding.pk}/").status_code == expected(username)
    assert c.get(f"/supervision/alerts/{w.alert.pk}/").status_code == expected(username)
    assert c.get(f"/supervision/matters/{w.matter.pk}/").status_code == expected(
        username, scope=SEES_ANBANG_TOWNSHIP
    )
    assert c.get(f"/supervision/scores/{w.card.pk}/").status_code == expected(
        username, scope=SEES_ANBANG_TOWNSHIP
    )
    assert c.get(f"/supervision/complaints/{w.complaint.pk}/").status_code == expected(
        username, scope=NOT_HANDED_YET, allowed=COMPLAINTS
    )
    # writes
    r = c.post(f"/supervision/alerts/{w.alert.pk}/", {"action": "handle", "note": "已入户"})
    assert r.status_code == expected(username, allowed=HANDLE | SUPERVISE, ok=302)
    r = c.post(
        f"/supervision/inspections/{w.inspection.pk}/",
        {"action": "finding", "description": "x", "severity": "minor", "found_on": "2026-11-20"},
    )
    assert r.status_code == expected(username, allowed=SUPERVISE, ok=302)
    r = c.post("/supervision/samples/", {"kind": "monthly", "county": "230502000000", "on": "2026-10-15"})
    assert r.status_code in ((200, 302) if username in SUPERVISE else (403,))


def test_other_townships_and_counties_get_404(world):
    w = world
    for username in ("emr_caseworker", "emr_assistant", "qj_bureau", "lh_bg_caseworker"):
        c = client_for(username)
        for url in [
            f"/supervision/inspections/{w.inspection.pk}/",
            f"/supervision/findings/{w.finding.pk}/",
            f"/supervision/alerts/{w.alert.pk}/",
            f"/supervision/matters/{w.matter.pk}/",
            f"/supervision/samples/{w.sample.pk}/",
        ]:
            assert c.get(url).status_code == 404, (username, url)
        assert w.case.number not in c.get("/supervision/alerts/?status=").content.decode()


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_supervision_api_for_every_role(username, world):
    c = client_for(username)
    w = world
    for url in [
        "/api/v1/supervision/samples",
        "/api/v1/supervision/inspections",
        "/api/v1/supervision/findings",
        "/api/v1/supervision/alerts",
        "/api/v1/supervision/rules",
        "/api/v1/supervision/matters",
        "/api/v1/supervision/scores?month=2026-11-01",
        "/api/v1/supervision/kpis",
    ]:
        assert c.get(url).status_code == 200, url
    assert c.get("/api/v1/supervision/complaints").status_code == expected(
        username, scope=EVERYONE, allowed=COMPLAINTS
    )
    assert c.get(f"/api/v1/supervision/samples/{w.sample.pk}").status_code == expected(username, scope=COUNTY)
    assert c.get(f"/api/v1/supervision/samples/{w.sample.pk}/verify").status_code == expected(
        username, scope=COUNTY
    )
    assert c.get(f"/api/v1/supervision/inspections/{w.inspection.pk}").status_code == expected(username)
    assert c.get(f"/api/v1/supervision/alerts/{w.alert.pk}").status_code == expected(username)
    assert c.get(f"/api/v1/supervision/matters/{w.matter.pk}").status_code == expected(
        username, scope=SEES_ANBANG_TOWNSHIP
    )
    assert c.get(f"/api/v1/supervision/scores/{w.card.pk}").status_code == expected(
        username, scope=SEES_ANBANG_TOWNSHIP
    )
    assert c.get(f"/api/v1/supervision/complaints/{w.complaint.pk}").status_code == expected(
        username, scope=NOT_HANDED_YET, allowed=COMPLAINTS
    )
    r = c.post(
        f"/api/v1/supervision/alerts/{w.alert.pk}/handle", {"note": "已入户"}, content_type="application/json"
    )
    assert r.status_code == expected(username, allowed=HANDLE | SUPERVISE), r.content
    r = c.post(
        f"/api/v1/supervision/matters/{w.matter.pk}/answer",
        {"answer": "已整改", "answered_on": "2026-11-20"},
        content_type="application/json",
    )
    assert r.status_code == expected(username, scope=SEES_ANBANG_TOWNSHIP, allowed=HANDLE), r.content
    r = c.post(
        "/api/v1/supervision/findings",
        {"description": "x", "severity": "minor", "found_on": "2026-11-20", "case_id": w.case.pk},
        content_type="application/json",
    )
    assert r.status_code == expected(username, allowed=SUPERVISE, ok=201), r.content
    r = c.post(
        "/api/v1/supervision/complaints",
        {"channel": "hotline", "content": "x", "area_code": "230502200000", "anonymous": True},
        content_type="application/json",
    )
    assert r.status_code == expected(username, scope=SEES_ANBANG_TOWNSHIP, allowed=COMPLAINTS, ok=201), (
        r.content
    )
