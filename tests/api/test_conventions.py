"""API conventions: one error format everywhere, rate limits, idempotency keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from jiuzhu.api.models import IdempotencyKey
from jiuzhu.cases.models import Case
from jiuzhu.core import clock
from tests.helpers import client_for, make_household, new_id, user

pytestmark = pytest.mark.django_db


def bearer(username: str = "js_bureau", scopes=("read", "write")) -> dict:
    from jiuzhu.orgs.services import token_issue

    raw = token_issue(user=user(username), name="test", scopes=list(scopes)).raw
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def is_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["message"] and "Traceback" not in body["message"]
    if code:
        assert body["code"] == code, body
    return body


# --- one error format ---------------------------------------------------------------------------------


def test_unknown_address_and_wrong_method_use_the_error_format():
    c = client_for("ab_caseworker")
    is_error(c.get("/api/v1/no-such-endpoint"), 404, "not_found")
    wrong = c.delete("/api/v1/cases")
    is_error(wrong, 405, "method_not_allowed")
    assert "GET" in wrong["Allow"]


def test_unauthenticated_and_read_only_token():
    is_error(Client().get("/api/v1/cases"), 401, "unauthenticated")
    is_error(Client().post("/api/v1/cases", {}, content_type="application/json"), 401, "unauthenticated")
    read_only = bearer("ab_caseworker", scopes=("read",))
    assert Client().get("/api/v1/cases", **read_only).status_code == 200
    is_error(Client().post("/api/v1/households", {}, content_type="application/json", **read_only), 403)


def test_csrf_failure_with_a_session_is_json_in_chinese():
    c = Client(enforce_csrf_checks=True)
    c.force_login(user("ab_caseworker"))
    body = is_error(c.post("/api/v1/households", {}, content_type="application/json"), 403, "csrf_failed")
    assert "CSRF" in body["message"]


def test_validation_errors_are_chinese_per_field():
    c = client_for("ab_caseworker")
    body = is_error(c.get("/api/v1/cases/abc"), 404)  # not an id: no such address
    body = is_error(c.get("/api/v1/delegation/grants/99999999999999999999999"), 422, "invalid")
    assert body["errors"]["grant_id"] == ["应不大于 9223372036854775807"]
    body = is_error(c.post("/api/v1/households", {"address": ""}, content_type="application/json"), 422)
    assert body["errors"]["area_code"] == ["必填"]


def test_unexpected_error_is_a_generic_500_without_traceback(monkeypatch):
    from jiuzhu.orgs import api as orgs_api

    def boom(user):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(orgs_api.authz, "memberships", boom)
    body = is_error(client_for("ab_caseworker").get("/api/v1/me"), 500, "server_error")
    assert "secret" not in body["message"] and "服务器内部错误" in body["message"]


# --- rate limits --------------------------------------------------------------------------------------


def test_rate_limit_per_token_gives_429_with_retry_after(settings):
    settings.JIUZHU_RATES = {**settings.JIUZHU_RATES, "api_user": "3/min"}
    token, other = bearer("ab_caseworker"), bearer("ab_caseworker")
    c = Client()
    assert [c.get("/api/v1/me", **token).status_code for _ in range(3)] == [200, 200, 200]
    limited = c.get("/api/v1/me", **token)
    body = is_error(limited, 429, "rate_limited")
    assert "频繁" in body["message"] and 1 <= int(limited["Retry-After"]) <= 60
    assert c.get("/api/v1/me", **other).status_code == 200  # each token has its own budget
    clock.advance(timedelta(seconds=61))
    assert c.get("/api/v1/me", **token).status_code == 200  # a new window


def test_rate_limit_per_address_for_anonymous_endpoints(settings):
    settings.JIUZHU_RATES = {**settings.JIUZHU_RATES, "api_anon": "2/hour"}
    url = "/api/v1/calendar/add-working-days?start=2026-11-02&days=5"
    here, there = Client(REMOTE_ADDR="10.1.1.1"), Client(REMOTE_ADDR="10.1.1.2")
    assert [here.get(url).status_code for _ in range(2)] == [200, 200]
    assert is_error(here.get(url), 429)
    assert there.get(url).status_code == 200
    assert client_for("ab_caseworker").get(url).status_code == 200  # logged-in users count per user


def test_bad_rate_setting_stops_the_start():
    from jiuzhu.api.rates import Rate

    assert Rate.parse("600/min") == Rate(600, 60) and Rate.parse("10/5m") == Rate(10, 300)
    for bad in ("600", "x/min", "0/min", "10/week"):
        with pytest.raises(ValueError):
            Rate.parse(bad)


# --- idempotency keys ---------------------------------------------------------------------------------


def online_payload(id_number: str | None = None) -> dict:
    return {
        "area_code": "230502004001",
        "address": "光明社区3栋",
        "phone": "13900001111",
        "members": [{"name": "钱六", "id_number": id_number or new_id(), "relation": "head"}],
        "assistance_type": "dibao_urban",
        "reason": "失业",
        "consent_verification": True,
        "consent_commitment": True,
    }


def test_A3_same_idempotency_key_twice_creates_one_application():
    c = Client()
    auth = bearer("js_bureau")
    payload = online_payload()
    first = c.post(
        "/api/v1/applications/online",
        payload,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
        **auth,
    )
    assert first.status_code == 201, first.content
    before = Case.objects.count()
    again = c.post(
        "/api/v1/applications/online",
        payload,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
        **auth,
    )
    assert again.status_code == 201 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == before  # nothing created the second time
    changed = c.post(
        "/api/v1/applications/online",
        {**payload, "reason": "另一个原因"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
        **auth,
    )
    is_error(changed, 409, "idempotency_key_reused")
    # Another user may use the same key for their own request.
    other = c.post(
        "/api/v1/households",
        {
            "area_code": "230502004001",
            "address": "光明社区1栋",
            "members": [{"name": "赵一", "id_number": new_id(), "relation": "head"}],
        },
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
        **bearer("emr_caseworker"),
    )
    assert other.status_code == 201


def test_failed_request_frees_its_key_and_keys_expire(settings):
    c = client_for("ab_caseworker")
    household = make_household()
    head = household.members.get(relation="head")
    bad = {
        "household_id": household.pk,
        "assistance_type": "tekun",
        "applicant_id": head.pk,
        "applied_on": "2030-01-01",
        "reason": "x",
    }
    r = c.post("/api/v1/cases", bad, content_type="application/json", HTTP_IDEMPOTENCY_KEY="retry-me")
    assert r.status_code == 400 and not IdempotencyKey.objects.filter(key="retry-me").exists()
    good = {**bad, "applied_on": "2026-11-18"}
    assert (
        c.post(
            "/api/v1/cases", good, content_type="application/json", HTTP_IDEMPOTENCY_KEY="retry-me"
        ).status_code
        == 201
    )
    replay = c.post("/api/v1/cases", good, content_type="application/json", HTTP_IDEMPOTENCY_KEY="retry-me")
    assert replay["Idempotent-Replayed"] == "true"
    clock.advance(timedelta(hours=settings.JIUZHU_IDEMPOTENCY_HOURS, seconds=1))
    fresh = c.post("/api/v1/cases", good, content_type="application/json", HTTP_IDEMPOTENCY_KEY="retry-me")
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh


def test_key_in_progress_and_bad_keys_are_refused():
    c = client_for("ab_caseworker")
    IdempotencyKey.objects.create(
        user=user("ab_caseworker"),
        key="busy",
        method="POST",
        path="/api/v1/households",
        fingerprint="x" * 64,
        created_at=clock.now(),
        expires_at=clock.now() + timedelta(hours=1),
    )
    is_error(
        c.post("/api/v1/households", {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="busy"), 422
    )
    payload = {
        "area_code": "230502200201",
        "address": "安邦村",
        "members": [{"name": "孙二", "id_number": new_id(), "relation": "head"}],
    }
    busy = c.post("/api/v1/households", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="busy")
    is_error(busy, 409)
    is_error(
        c.post("/api/v1/households", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="含中文"),
        400,
    )


def test_secret_responses_are_never_stored():
    household = make_household()
    head = household.members.get(relation="head")
    c = client_for("ab_caseworker")
    r = c.post(f"/api/v1/members/{head.pk}/reveal", HTTP_IDEMPOTENCY_KEY="reveal-1")
    assert r.status_code == 200 and not IdempotencyKey.objects.filter(key="reveal-1").exists()


def test_openapi_documents_the_header_rate_limits_and_errors():
    schema = Client().get("/api/v1/openapi.json").json()
    create = schema["paths"]["/api/v1/applications/online"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    reveal = schema["paths"]["/api/v1/members/{member_id}/reveal"]["post"]
    assert not any(p["name"] == "Idempotency-Key" for p in reveal.get("parameters", []))
    assert {"429", "500"} <= set(schema["paths"]["/api/v1/cases"]["get"]["responses"])


def test_nul_characters_are_refused_before_reaching_the_database():
    c = client_for("ab_caseworker")
    payload = {
        "area_code": "230502200201",
        "address": "安邦村\x00",
        "members": [{"name": "孙二", "id_number": new_id(), "relation": "head"}],
    }
    body = is_error(c.post("/api/v1/households", payload, content_type="application/json"), 400, "invalid")
    assert "空字符" in body["message"]
    is_error(c.get("/api/v1/cases?q=%00"), 400, "invalid")
