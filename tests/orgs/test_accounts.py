"""Foundation item 7: login, lockout, password change, CSRF, headers, tokens, health."""

import io
from contextlib import redirect_stdout
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client

from jiuzhu.core import clock
from jiuzhu.core.models import AuditEvent
from jiuzhu.orgs.demo import DEMO_PASSWORD
from jiuzhu.orgs.models import ApiToken
from tests.helpers import client_for, user

pytestmark = pytest.mark.django_db


def test_login_and_logout_in_chinese():
    c = Client()
    page = c.get("/accounts/login/").content.decode()
    assert "用户名" in page and "登录" in page
    r = c.post("/accounts/login/", {"username": "ab_caseworker", "password": DEMO_PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/"
    assert AuditEvent.objects.filter(action="auth.login", actor__username="ab_caseworker").exists()
    home = c.get("/").content.decode()
    assert "王春燕" in home and "安邦乡人民政府" in home
    c.post("/accounts/logout/")
    assert c.get("/").status_code == 302


def test_lockout_after_repeated_failures():
    c = Client()
    for _ in range(5):
        r = c.post("/accounts/login/", {"username": "emr_caseworker", "password": "wrong-password"})
    assert r.status_code in (403, 429)
    locked = c.post("/accounts/login/", {"username": "emr_caseworker", "password": DEMO_PASSWORD})
    assert locked.status_code in (403, 429)
    assert "已暂时锁定" in locked.content.decode()
    other = Client().post("/accounts/login/", {"username": "ab_caseworker", "password": DEMO_PASSWORD})
    assert other.status_code == 302  # only that account is locked


def test_wrong_password_message():
    r = Client().post("/accounts/login/", {"username": "ab_caseworker", "password": "nope"})
    assert r.status_code == 200 and "用户名" in r.content.decode()


def test_password_change():
    c = client_for("emr_assistant")
    r = c.post(
        "/accounts/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "Xq9!new-long-pass",
            "new_password2": "Xq9!new-long-pass",
        },
    )
    assert r.status_code == 302
    assert user("emr_assistant").check_password("Xq9!new-long-pass")
    assert AuditEvent.objects.filter(action="auth.password_change").exists()


def test_security_headers_and_csrf():
    c = client_for("ab_caseworker")
    r = c.get("/")
    csp = r["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user("js_bureau"))
    assert strict.post("/account/", {"name": "x"}).status_code == 403
    api = strict.post("/api/v1/params/notice.days", {}, content_type="application/json")
    assert api.status_code == 403


def test_session_expires_when_idle(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 300 <= settings.SESSION_COOKIE_AGE <= 24 * 3600


def test_healthz():
    r = Client().get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_token_from_account_page_works_and_is_stored_hashed():
    c = client_for("js_bureau")
    page = c.post("/account/", {"name": "省平台对接", "write": "on"}).content.decode()
    token = ApiToken.objects.get(user__username="js_bureau", name="省平台对接")
    raw = page.split('data-testid="new-token">')[1].split("<")[0]
    assert raw.startswith("jz_") and raw not in token.token_hash and token.scopes == ["read", "write"]
    api = Client()
    me = api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.status_code == 200 and me.json()["username"] == "js_bureau"
    assert (
        "Bearer" not in c.get("/account/").content.decode() or raw not in c.get("/account/").content.decode()
    )


def test_read_only_revoked_and_expired_tokens():
    out = io.StringIO()
    with redirect_stdout(out):
        call_command("issue_token", "js_bureau", "--name", "只读", stdout=out)
    raw = out.getvalue().strip()
    api = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert api.get("/api/v1/me", **auth).status_code == 200
    write = api.post(
        "/api/v1/params/notice.days",
        {"area": "230502000000", "effective_from": "2026-12-01", "value": 7, "reason": "x"},
        content_type="application/json",
        **auth,
    )
    assert write.status_code == 403 and "只读" in write.json()["message"]
    token = ApiToken.objects.get(name="只读")
    token.expires_at = clock.now() + timedelta(days=1)
    token.save()
    clock.advance(timedelta(days=2))
    assert api.get("/api/v1/me", **auth).status_code == 401
    token.expires_at = None
    token.save()
    assert api.get("/api/v1/me", **auth).status_code == 200
    client_for("js_bureau").post(f"/account/tokens/{token.pk}/revoke/")
    assert api.get("/api/v1/me", **auth).status_code == 401
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer jz_forged").status_code == 401


def test_cannot_revoke_someone_elses_token():
    out = io.StringIO()
    call_command("issue_token", "js_bureau", stdout=out)
    token = ApiToken.objects.get(user__username="js_bureau")
    assert client_for("ab_caseworker").post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
