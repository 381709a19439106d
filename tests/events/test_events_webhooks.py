"""The event feed and webhooks: scoping, no personal data, signed deliveries, retries with
backoff, the delivery log page; every new page and endpoint for every role (200 / 403 / 404)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jiuzhu.core import clock
from jiuzhu.events import feed, webhooks
from jiuzhu.events.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from jiuzhu.orgs.models import Organisation
from tests.helpers import (
    ALL_JIANSHAN_USERS,
    ANBANG,
    ERMALU,
    JIANSHAN,
    QIJIANG,
    client_for,
    make_case,
    make_household,
    user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _receivers_on_loopback(settings):
    """The test receivers listen on 127.0.0.1, which webhooks may only reach when an operator names it
    (events.ssrf; tests/core/test_web_hardening.py tests the refusal itself)."""
    settings.JIUZHU_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]


def settle():
    clock.advance(feed.LAG + timedelta(seconds=1))


def org(code: str) -> Organisation:
    return Organisation.objects.filter(jurisdiction_id=code).order_by("id").first()


# --- the event feed -----------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_event_feed_for_every_role_is_scoped(username):
    anbang = make_case(make_household())
    ermalu = make_case(
        make_household(by="emr_caseworker", area="230502004001", address="光明社区1号"),
        by="emr_caseworker",
        assistance_type="dibao_urban",
    )
    settle()
    r = client_for(username).get("/api/v1/events?type=case.&limit=500")
    assert r.status_code == 200, r.content
    refs = {i["reference"] for i in r.json()["items"]}
    sees_anbang = username.startswith(("js_", "ab_"))
    sees_ermalu = username.startswith(("js_", "emr_"))
    assert (anbang.number in refs) == sees_anbang
    assert (ermalu.number in refs) == sees_ermalu


def test_event_feed_cursor_lag_and_no_personal_data():
    c = client_for("js_bureau")
    start = c.get("/api/v1/events?limit=500").json()["next_cursor"]
    case = make_case(make_household())
    assert c.get(f"/api/v1/events?after={start}").json()["items"] == []  # not settled yet
    settle()
    page = c.get(f"/api/v1/events?after={start}&limit=2").json()
    assert len(page["items"]) == 2 and page["has_more"]
    rest = c.get(f"/api/v1/events?after={page['next_cursor']}&limit=500").json()
    items = page["items"] + rest["items"]
    types = [i["type"] for i in items]
    assert "household.create" in types and "case.create" in types
    created = next(i for i in items if i["type"] == "case.create")
    assert created["reference"] == case.number and created["label"]
    text = json.dumps(items, ensure_ascii=False)
    head = case.household.members.get(relation="head")
    assert head.name not in text and "ip" not in created and "actor" not in text
    # reading personal data never shows up in the feed
    client_for("ab_caseworker").post(f"/api/v1/members/{head.pk}/reveal")
    settle()
    later = c.get(f"/api/v1/events?after={rest['next_cursor'] or page['next_cursor']}&limit=500").json()
    assert all(not i["type"].startswith("pii.") for i in later["items"])


def test_event_feed_carries_benefit_changes():
    from jiuzhu.benefits import services as benefits
    from tests.helpers import enrolled, user

    e = enrolled()
    c = client_for("js_bureau")
    start = c.get("/api/v1/events?limit=500").json()["next_cursor"]
    settle()
    start = c.get(f"/api/v1/events?after={start}&limit=500").json()["next_cursor"] or start
    benefits.suspend(by=user("ab_caseworker"), enrolment=e, reason="群众举报，核查期间暂停")
    settle()
    items = c.get(f"/api/v1/events?after={start}&limit=500&types=benefit.").json()["items"]
    assert [i["type"] for i in items] == ["benefit.suspend"]
    assert items[0]["object_type"] == "benefits.enrolment" and "举报" not in json.dumps(
        items, ensure_ascii=False
    )


def test_event_feed_needs_login():
    from django.test import Client

    assert Client().get("/api/v1/events").status_code == 401


# --- webhooks: access -----------------------------------------------------------------------------------

ADMINS = {"js_admin"}


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_webhook_pages_and_api_for_every_role(username):
    county = webhooks.subscription_create(
        by=user("js_admin"),
        organisation=org(JIANSHAN),
        name="省平台",
        url="http://127.0.0.1:9/hook",
        event_types=[],
    ).subscription
    c = client_for(username)
    allowed = username in ADMINS
    assert c.get("/integrations/webhooks/").status_code == (200 if allowed else 403)
    assert c.get(f"/integrations/webhooks/{county.pk}/").status_code == (200 if allowed else 403)
    assert c.get("/api/v1/webhooks").status_code == (200 if allowed else 403)
    assert c.get(f"/api/v1/webhooks/{county.pk}/deliveries").status_code == (200 if allowed else 403)
    created = c.post(
        "/api/v1/webhooks",
        {"organisation_id": org(ANBANG).pk, "name": "乡镇对接", "url": "https://example.invalid/hook"},
        content_type="application/json",
    )
    assert created.status_code == (201 if allowed else 403), created.content
    if allowed:
        assert len(created.json()["secret"]) == 64
    delivery = WebhookDelivery.objects.create(
        subscription=county,
        event_id=1,
        event_type="case.create",
        area_code=ANBANG,
        payload={},
        status=DeliveryStatus.FAILED,
        created_at=clock.now(),
    )
    retry = c.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/retry")
    assert retry.status_code == (200 if allowed else 403), retry.content
    page_retry = c.post(f"/integrations/webhooks/deliveries/{delivery.pk}/retry/")
    assert page_retry.status_code == (302 if allowed else 403)
    assert c.post(f"/integrations/webhooks/{county.pk}/deactivate/").status_code == (302 if allowed else 403)
    assert c.post(f"/api/v1/webhooks/{county.pk}/deactivate").status_code == (200 if allowed else 403)


def test_webhooks_of_another_county_are_404():
    other = WebhookSubscription.objects.create(
        organisation=org(QIJIANG),
        area_code=QIJIANG,
        name="綦江",
        url="http://127.0.0.1:9/",
        secret_cipher="",
        created_by=user("qj_bureau"),
        created_at=clock.now(),
    )
    c = client_for("js_admin")
    assert c.get(f"/integrations/webhooks/{other.pk}/").status_code == 404
    assert c.get(f"/api/v1/webhooks/{other.pk}").status_code == 404
    assert c.post(f"/api/v1/webhooks/{other.pk}/deactivate").status_code == 404
    r = c.post(
        "/api/v1/webhooks",
        {"organisation_id": org(QIJIANG).pk, "name": "x", "url": "https://a.invalid/"},
        content_type="application/json",
    )
    assert r.status_code == 404


def test_webhook_create_validates_and_is_audited():
    from jiuzhu.core.models import AuditEvent

    c = client_for("js_admin")
    bad = c.post(
        "/api/v1/webhooks",
        {"organisation_id": org(JIANSHAN).pk, "name": "x", "url": "ftp://host/", "event_types": ["auth."]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["errors"].get("url")
    page = c.post(
        "/integrations/webhooks/",
        {
            "organisation": org(JIANSHAN).pk,
            "name": "省平台",
            "url": "https://hooks.invalid/in",
            "event_types": ["case."],
        },
    )
    assert page.status_code == 302
    detail = c.get(page["Location"])
    assert detail.status_code == 200 and "签名密钥" in detail.content.decode()
    assert "签名密钥" not in c.get(page["Location"]).content.decode()  # shown once
    event = AuditEvent.objects.filter(action="webhook.create").latest("id")
    assert event.actor.username == "js_admin" and "secret" not in json.dumps(event.after)


# --- webhooks: delivery ---------------------------------------------------------------------------------


class Receiver:
    """A receiver on the loopback address that records what it gets and answers with `status`."""

    def __init__(self, status: int = 200):
        self.status = status
        self.received: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_events_are_pushed_signed_to_the_subscriber(receiver, settings):
    created = webhooks.subscription_create(
        by=user("js_admin"), organisation=org(ANBANG), name="乡镇", url=receiver.url, event_types=["case."]
    )
    case = make_case(make_household())
    make_case(
        make_household(by="emr_caseworker", area="230502004001", address="光明社区"),
        by="emr_caseworker",
        assistance_type="dibao_urban",
    )
    assert webhooks.pump() == {"created": 0, "attempted": 0}  # not settled yet
    settle()
    result = webhooks.pump()
    assert result["created"] >= 1 and result["attempted"] == result["created"]
    assert {d.status for d in WebhookDelivery.objects.all()} == {DeliveryStatus.DELIVERED}
    headers, body = receiver.received[0]
    payload = json.loads(body)
    assert payload["event"]["type"] == "case.create" and payload["event"]["reference"] == case.number
    assert all(
        json.loads(b)["event"]["area_code"].startswith(ERMALU[:9]) is False for _, b in receiver.received
    )
    expected = hmac.new(
        created.secret.encode(), headers["X-Jiuzhu-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Jiuzhu-Signature"] == "sha256=" + expected
    assert headers["X-Jiuzhu-Event"] == "case.create"
    assert webhooks.pump() == {"created": 0, "attempted": 0}  # each event once


def test_failed_deliveries_retry_with_backoff_then_give_up(settings):
    settings.JIUZHU_WEBHOOK_MAX_ATTEMPTS = 3
    settings.JIUZHU_WEBHOOK_RETRY_SECONDS = 60
    failing = Receiver(status=503)
    try:
        webhooks.subscription_create(
            by=user("js_admin"),
            organisation=org(ANBANG),
            name="乡镇",
            url=failing.url,
            event_types=["case.create"],
        )
        make_case(make_household())
        settle()
        webhooks.pump()
        d = WebhookDelivery.objects.get()
        assert d.status == DeliveryStatus.RETRYING and d.attempts == 1 and d.last_status_code == 503
        assert d.next_attempt_at == clock.now() + timedelta(seconds=60)
        assert webhooks.pump()["attempted"] == 0  # not due yet
        clock.advance(timedelta(seconds=61))
        webhooks.pump()
        d.refresh_from_db()
        assert d.attempts == 2 and d.next_attempt_at == clock.now() + timedelta(seconds=120)  # doubled
        clock.advance(timedelta(seconds=121))
        webhooks.pump()
        d.refresh_from_db()
        assert d.status == DeliveryStatus.FAILED and d.attempts == 3 and len(failing.received) == 3
        # An administrator sends it again from the delivery log once the receiver is fixed.
        failing.status = 200
        c = client_for("js_admin")
        log = c.get(f"/integrations/webhooks/{d.subscription_id}/")
        assert "最终失败" in log.content.decode() and "重新投递" in log.content.decode()
        assert c.post(f"/integrations/webhooks/deliveries/{d.pk}/retry/").status_code == 302
        webhooks.pump()
        d.refresh_from_db()
        assert d.status == DeliveryStatus.DELIVERED and d.attempts == 1
    finally:
        failing.close()


def test_unreachable_receiver_and_deactivation(settings, monkeypatch):
    sub = webhooks.subscription_create(
        by=user("js_admin"),
        organisation=org(ANBANG),
        name="乡镇",
        url="http://127.0.0.1:9/none",
        event_types=[],
    ).subscription
    make_case(make_household())
    settle()
    webhooks.pump()
    d = WebhookDelivery.objects.filter(subscription=sub).first()
    assert d.status == DeliveryStatus.RETRYING and d.last_status_code is None and d.last_error
    r = client_for("js_admin").post(f"/api/v1/webhooks/{sub.pk}/deactivate")
    assert r.status_code == 200 and r.json()["is_active"] is False
    d.refresh_from_db()
    assert d.status == DeliveryStatus.FAILED and d.last_error == "订阅已停用"
