"""Every page and endpoint of the archive app for every role: in scope, out of scope (404), forbidden (403)."""

import pytest
from django.test import Client

from jiuzhu.orgs.models import Organisation
from tests.archive.conftest import image_bytes, upload
from tests.helpers import (
    ALL_JIANSHAN_USERS,
    ANBANG_USERS,
    ANBANG_VILLAGE,
    COUNTY_USERS,
    client_for,
    make_household,
)

pytestmark = pytest.mark.django_db

COUNTY = set(COUNTY_USERS.values())
SEES_ANBANG_VILLAGE = COUNTY | set(ANBANG_USERS.values())
EVERYONE = set(ALL_JIANSHAN_USERS)
CASE_PROCESS = {"js_bureau", "ab_caseworker", "ab_approver"}
PII = {"js_bureau", "js_inspector", "js_auditor", "ab_caseworker", "ab_approver"}
DELEGATION = {"js_bureau"}


def expected(username, *, allowed=None, scope=SEES_ANBANG_VILLAGE, ok=200):
    if username not in scope:
        return 404
    if allowed is not None and username not in allowed:
        return 403
    return ok


def township():
    return Organisation.objects.get(jurisdiction_id="230502200000", kind="township")


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_AR1_P2_archive_pages_for_every_role(username, fast_pdf):
    household = make_household()
    c = client_for(username)
    base = f"/archive/households/{household.pk}/"
    assert c.get(base).status_code == expected(username)
    custody = c.post(base + "custody/", {"to": township().pk, "on": "2026-11-03"})
    assert custody.status_code == expected(username, allowed=CASE_PROCESS, ok=302)
    filed = c.post(
        base + "upload/", {"owner": "household", "kind": "scan", "file": upload("户口簿.png", image_bytes())}
    )
    assert filed.status_code == expected(username, allowed=CASE_PROCESS, ok=302)
    bundle = c.post(base + "bundle/")
    assert bundle.status_code == expected(username, allowed=PII, ok=302)
    if bundle.status_code == 302:
        assert c.get(bundle["Location"]).status_code == 200
        others = "ab_approver" if username != "ab_approver" else "ab_caseworker"
        assert client_for(others).get(bundle["Location"]).status_code == 404
    assert c.get("/archive/boards/").status_code == 200
    printed = c.post(f"/archive/boards/{ANBANG_VILLAGE}/print/")
    assert printed.status_code == expected(username, allowed=CASE_PROCESS, ok=302)
    assert c.get("/archive/custody/bulk/").status_code == expected(
        username, scope=EVERYONE, allowed=DELEGATION
    )
    assert c.get(f"/board/{ANBANG_VILLAGE}/").status_code == 200  # public


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_AR1_P2_archive_api_for_every_role(username, fast_pdf):
    household = make_household()
    c = client_for(username)
    base = f"/api/v1/households/{household.pk}"
    assert c.get(base + "/file").status_code == expected(username)
    assert c.get(base + "/file/completeness").status_code == expected(username)
    assert c.get(base + "/custody").status_code == expected(username)
    moved = c.post(
        base + "/custody",
        {"custodian_id": township().pk, "on": "2026-11-03"},
        content_type="application/json",
    )
    assert moved.status_code == expected(username, allowed=CASE_PROCESS, ok=201), moved.content
    bundle = c.post(base + "/archive")
    assert bundle.status_code == expected(username, allowed=PII, ok=202)
    if bundle.status_code == 202:
        job = bundle.json()["id"]
        assert c.get(f"/api/v1/archive-jobs/{job}").status_code == 200
        assert client_for("emr_caseworker").get(f"/api/v1/archive-jobs/{job}").status_code == 404
    bulk = c.post(
        "/api/v1/custody/bulk-transfer",
        {"county_code": "230502000000", "on": "2026-11-03", "basis": "实施方案"},
        content_type="application/json",
    )
    assert bulk.status_code == expected(username, scope=COUNTY, allowed=DELEGATION, ok=201), bulk.content
    printed = c.post(f"/api/v1/boards/{ANBANG_VILLAGE}/print")
    assert printed.status_code == expected(username, allowed=CASE_PROCESS, ok=201)
    assert c.get(f"/api/v1/boards/{ANBANG_VILLAGE}").status_code == 200


def test_other_townships_and_counties_get_404(fast_pdf):
    household = make_household()
    for username in ("emr_caseworker", "emr_assistant", "qj_bureau", "lh_bg_caseworker"):
        c = client_for(username)
        assert c.get(f"/archive/households/{household.pk}/").status_code == 404
        assert c.get(f"/api/v1/households/{household.pk}/file").status_code == 404
        assert c.post(f"/archive/boards/{ANBANG_VILLAGE}/print/").status_code == 404
        assert ANBANG_VILLAGE not in c.get("/archive/boards/").content.decode()
    assert client_for("qj_bureau").get("/archive/custody/bulk/?county=230502000000").status_code == 404


def test_public_board_needs_no_login_and_staff_pages_do():
    anonymous = Client()
    assert anonymous.get(f"/board/{ANBANG_VILLAGE}/").status_code == 200
    assert anonymous.get(f"/api/v1/boards/{ANBANG_VILLAGE}").status_code == 200
    household = make_household()
    assert anonymous.get(f"/archive/households/{household.pk}/").status_code == 302  # to the login page
    assert anonymous.get(f"/api/v1/households/{household.pk}/file").status_code == 401
    assert anonymous.post(f"/api/v1/boards/{ANBANG_VILLAGE}/print").status_code == 401
