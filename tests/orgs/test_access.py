"""Convention 10: every page and endpoint of the foundation, for every role, in scope (200), out of
scope (404) and forbidden (403)."""

import pytest

from jiuzhu.console.views_calendar import arrangement_digest
from jiuzhu.orgs.models import DelegationGrant
from tests.helpers import (
    ALL_JIANSHAN_USERS,
    ANBANG,
    ANBANG_USERS,
    COUNTY_USERS,
    ERMALU_USERS,
    QIJIANG,
    client_for,
)

pytestmark = pytest.mark.django_db

COUNTY = set(COUNTY_USERS.values())
ANBANG_STAFF = set(ANBANG_USERS.values())
ERMALU_STAFF = set(ERMALU_USERS.values())
# Village staff see their village and below, not the township's own records (DOMAIN §1).
SEES_ANBANG = COUNTY | (ANBANG_STAFF - {"ab_assistant"})
# 三员分立: the audit trail is read by the audit administrator and business oversight, not the system administrator.
AUDIT_READERS = {"js_bureau", "js_inspector", "js_auditor"}
DELEGATION_MANAGERS = {"js_bureau"}
PARAM_EDITORS = {"js_bureau", "js_admin"}
CALENDAR_MANAGERS = {"js_bureau", "js_admin"}
STAFF_MANAGERS = {"js_admin"}


def _anbang_grant() -> int:
    return DelegationGrant.objects.get(township_id=ANBANG, category="dibao").pk


def _qijiang_grant() -> int:
    return DelegationGrant.objects.filter(township__code__startswith=QIJIANG[:6]).first().pk


def expected(username: str, *, scope: set[str], allowed: set[str] | None = None) -> int:
    if username not in scope:
        return 404
    if allowed is not None and username not in allowed:
        return 403
    return 200


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_pages_for_every_role(username):
    c = client_for(username)
    everyone = set(ALL_JIANSHAN_USERS)
    cases = [
        ("/", expected(username, scope=everyone)),
        ("/account/", 200),
        ("/orgs/delegation/", 200),
        ("/orgs/jurisdictions/", 200),
        ("/orgs/staff/", 200),
        ("/settings/calendar/", 200),
        (f"/orgs/delegation/{_anbang_grant()}/", expected(username, scope=SEES_ANBANG)),
        (f"/orgs/delegation/{_qijiang_grant()}/", 404),
        (f"/settings/params/?area={ANBANG}", expected(username, scope=SEES_ANBANG)),
        (f"/settings/params/notice.days/?area={ANBANG}", expected(username, scope=SEES_ANBANG)),
        (f"/settings/params/?area={QIJIANG}", 404),
        ("/settings/audit/", expected(username, scope=everyone, allowed=AUDIT_READERS)),
        ("/orgs/delegation/new/", expected(username, scope=everyone, allowed=DELEGATION_MANAGERS)),
    ]
    for url, status in cases:
        assert c.get(url).status_code == status, (username, url)


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_writes_through_pages_for_every_role(username):
    c = client_for(username)
    everyone = set(ALL_JIANSHAN_USERS)
    param = c.post(
        f"/settings/params/notice.days/?area={ANBANG}",
        {"effective_from": "2026-12-01", "value": "7", "reason": "测试"},
    )
    want = expected(username, scope=SEES_ANBANG, allowed=PARAM_EDITORS)
    assert param.status_code == (302 if want == 200 else want), username
    text = "2027-01-01,休,元旦"
    cal = c.post(
        "/settings/calendar/",
        {
            "year": "2027",
            "text": text,
            "source": "测试",
            "action": "confirm",
            "digest": arrangement_digest(2027, text),
        },
    )
    want = expected(username, scope=everyone, allowed=CALENDAR_MANAGERS)
    assert cal.status_code == (302 if want == 200 else want), username
    suspend = c.post(
        f"/orgs/delegation/{_anbang_grant()}/",
        {"action": "suspend", "s-start": "2026-12-01", "s-reason": "测试"},
    )
    want = expected(username, scope=SEES_ANBANG, allowed=DELEGATION_MANAGERS)
    assert suspend.status_code == (302 if want == 200 else want), username
    staff = c.post(
        "/orgs/staff/",
        {
            "username": f"new_{username}",
            "full_name": "新人",
            "organisation": "0",
            "role": "township_caseworker",
            "password": "Xq9!long-password",
        },
    )
    # The organisation choice list only offers organisations in scope; a forged id fails validation (200 with
    # errors) for managers and 403 for everyone else.
    assert staff.status_code == (200 if username in STAFF_MANAGERS else 403), username


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_api_for_every_role(username):
    c = client_for(username)
    everyone = set(ALL_JIANSHAN_USERS)
    assert c.get("/api/v1/me").status_code == 200
    assert c.get(f"/api/v1/delegation/grants/{_anbang_grant()}").status_code == expected(
        username, scope=SEES_ANBANG
    )
    assert c.get(f"/api/v1/delegation/grants/{_qijiang_grant()}").status_code == 404
    assert c.get(f"/api/v1/jurisdictions/{ANBANG}").status_code == expected(username, scope=SEES_ANBANG)
    assert c.get(f"/api/v1/params/notice.days?area={ANBANG}").status_code == expected(
        username, scope=SEES_ANBANG
    )
    assert c.get(
        f"/api/v1/delegation/who-decides?township={ANBANG}&assistance_type=tekun&day=2026-11-20"
    ).status_code == expected(username, scope=SEES_ANBANG)
    assert c.get("/api/v1/audit/events").status_code == expected(
        username, scope=everyone, allowed=AUDIT_READERS
    )

    DelegationGrant.objects.filter(township_id="230502001000", category="linshi").update(
        revoked_on="2029-12-31"
    )
    create = c.post(
        "/api/v1/delegation/grants",
        {
            "township": "230502001000",
            "category": "linshi",
            "valid_from": "2030-01-01",
            "letter_no": "测试",
            "signed_on": "2026-11-01",
            "phase": "full",
        },
        content_type="application/json",
    )
    want = expected(username, scope=COUNTY, allowed=DELEGATION_MANAGERS)
    assert create.status_code == (201 if want == 200 else want), (username, create.content)
    if create.status_code == 201:
        assert create.json()["township_code"] == "230502001000"
    else:
        assert set(create.json()) == {"code", "message", "errors"}

    param = c.post(
        "/api/v1/params/notice.days",
        {"area": ANBANG, "effective_from": "2026-12-01", "value": 7, "reason": "测试"},
        content_type="application/json",
    )
    want = expected(username, scope=SEES_ANBANG, allowed=PARAM_EDITORS)
    assert param.status_code == (201 if want == 200 else want), username


def test_anonymous_is_sent_to_login_and_api_answers_401():
    from django.test import Client

    c = Client()
    assert c.get("/orgs/delegation/").status_code == 302
    response = c.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    public = c.get("/api/v1/calendar/add-working-days?start=2021-09-15&days=20")
    assert public.status_code == 200 and public.json() == {
        "start": "2021-09-15",
        "days": 20,
        "result": "2021-10-19",
        "provisional": False,
    }


def test_api_validation_errors_have_the_common_format():
    c = client_for("js_bureau")
    r = c.get("/api/v1/calendar/add-working-days?start=2021-13-01&days=-1")
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid" and "start" in body["errors"] and "days" in body["errors"]


def test_other_counties_see_only_their_own():
    c = client_for("qj_bureau")
    codes = {g["township_code"][:6] for g in c.get("/api/v1/delegation/grants?page_size=500").json()["items"]}
    assert codes == {"500110"}
    names = c.get("/orgs/delegation/").content.decode()
    assert "打通镇" in names and "安邦乡" not in names
