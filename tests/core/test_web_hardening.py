"""Web hardening (等保, PI1): behind a TLS proxy, webhook SSRF, no open redirect, no-store on personal data, no
debug output, full household reads logged."""

from __future__ import annotations

import socket

import pytest
from django.test import Client

from jiuzhu.core import clock
from jiuzhu.core.models import AuditEvent
from jiuzhu.events import ssrf, webhooks
from jiuzhu.events.models import DeliveryStatus, WebhookDelivery
from jiuzhu.orgs.models import Organisation
from tests.events.test_events_webhooks import Receiver, settle
from tests.helpers import ANBANG, JIANSHAN, client_for, make_case, make_household, user

pytestmark = pytest.mark.django_db


def _org(code: str) -> Organisation:
    return Organisation.objects.filter(jurisdiction_id=code).order_by("id").first()


# --- webhooks may not reach the server or its network ----------------------------------------------------

REFUSED = [
    "http://127.0.0.1/hook",
    "http://127.8.9.10:8000/hook",
    "http://10.0.0.8/hook",
    "http://192.168.1.20/hook",
    "http://172.16.5.5/hook",
    "http://100.64.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
    "http://localhost:8000/hook",
]


@pytest.mark.parametrize("url", REFUSED)
def test_internal_webhook_addresses_are_refused_at_save(url):
    r = client_for("js_admin").post(
        "/api/v1/webhooks",
        {"organisation_id": _org(JIANSHAN).pk, "name": "省平台", "url": url},
        content_type="application/json",
    )
    assert r.status_code == 400 and "不允许" in r.json()["message"], r.content


def test_an_allow_list_names_an_internal_receiver(settings):
    settings.JIUZHU_WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    ok = webhooks.subscription_create(
        by=user("js_admin"),
        organisation=_org(JIANSHAN),
        name="省平台",
        url="http://10.20.3.4/in",
        event_types=[],
    )
    assert ok.subscription.pk
    with pytest.raises(webhooks.ValidationFailed):
        webhooks.subscription_create(
            by=user("js_admin"),
            organisation=_org(JIANSHAN),
            name="x",
            url="http://10.21.0.1/",
            event_types=[],
        )


def test_delivery_checks_the_resolved_address_again(monkeypatch):
    """A name that resolved to nothing (or somewhere public) at save time and to the loopback address at
    delivery time (DNS rebinding) is refused at delivery, and nothing reaches the address."""
    receiver = Receiver()
    try:
        port = receiver.server.server_address[1]
        sub = webhooks.subscription_create(
            by=user("js_admin"),
            organisation=_org(ANBANG),
            name="乡镇",
            url=f"http://rebind.invalid:{port}/hook",
            event_types=["case."],
        ).subscription
        real = socket.getaddrinfo

        def rebinding(host, *args, **kwargs):
            if host == "rebind.invalid":
                return real("127.0.0.1", *args, **kwargs)
            return real(host, *args, **kwargs)

        monkeypatch.setattr(ssrf.socket, "getaddrinfo", rebinding)
        make_case(make_household())
        settle()
        webhooks.pump()
        delivery = WebhookDelivery.objects.get(subscription=sub)
        assert delivery.status == DeliveryStatus.FAILED and "本机回环地址" in delivery.last_error
        assert receiver.received == []
    finally:
        receiver.close()


def test_a_public_address_passes_the_check(monkeypatch):
    monkeypatch.setattr(
        ssrf.socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("202.96.128.86", 443))],
    )
    assert ssrf.checked_address("hooks.example.gov.cn", 443) == "202.96.128.86"


# --- no open redirect ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "http:\\\\evil.example"])
def test_next_never_leaves_the_site(target):
    r = client_for("ab_caseworker").post("/cases/queue/bulk/post_notice/", {"case": [], "next": target})
    assert r.status_code == 302 and "evil" not in r["Location"]
    case = make_case()
    # A refused start (no checklist chosen) goes back to `next`: only within this site.
    r = client_for("js_inspector").post("/supervision/inspections/start/", {"case": case.pk, "next": target})
    assert r.status_code == 302 and r["Location"] == "/supervision/inspections/"
    inside = client_for("ab_caseworker").post(
        "/cases/queue/bulk/post_notice/", {"case": [], "next": "/cases/"}
    )
    assert inside["Location"] == "/cases/"


# --- no-store ----------------------------------------------------------------------------------------------


def test_personal_data_is_never_cached():
    household = make_household()
    c = client_for("ab_caseworker")
    for url in (
        f"/registry/households/{household.pk}/",
        "/registry/households/?export=xlsx",
        f"/api/v1/households/{household.pk}",
        "/",
    ):
        response = c.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url
    assert "no-store" in Client().get("/accounts/login/")["Cache-Control"]
    static = Client().get("/static/jiuzhu/app.js")
    assert "no-store" not in static.get("Cache-Control", "")


# --- behind a TLS proxy -------------------------------------------------------------------------------------


def test_behind_a_tls_proxy_https_is_recognised_without_a_redirect_loop(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = True
    proxied = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200  # no redirect to https: it already is
    assert proxied["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = Client().get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    login = Client().post(
        "/accounts/login/",
        {"username": "ab_caseworker", "password": "Demo@2026"},
        HTTP_X_FORWARDED_PROTO="https",
    )
    assert login.status_code == 302 and login.cookies["sessionid"]["secure"]


# --- no debug output -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_template_preview_refuses_the_debug_tag(settings, debug):
    """{% debug %} would print the sample's personal data (and, in DEBUG, the server's modules)."""
    from jiuzhu.documents import kinds

    settings.DEBUG = debug
    kind = kinds.KINDS["approval_notice"]
    source = kind.default_html() + "{% debug %}"
    r = client_for("js_bureau").post(f"/documents/templates/{kind.code}/preview/", {"html": source})
    body = r.content.decode()
    assert "debug" in body and "不允许" in body
    assert "sys.modules" not in body and "&#x27;doc&#x27;" not in body and "'doc':" not in body


def test_debug_pages_are_not_shown_when_debug_is_off(settings):
    settings.DEBUG = False
    r = client_for("ab_caseworker").get("/no/such/page/")
    body = r.content.decode()
    assert r.status_code == 404 and "URLconf" not in body and "Traceback" not in body


# --- reads of a household's full data are logged ---------------------------------------------------------------


def test_reading_a_household_is_logged_like_a_reveal():
    household = make_household()
    client_for("ab_assistant").get(f"/registry/households/{household.pk}/")
    client_for("ab_caseworker").get(f"/api/v1/households/{household.pk}")
    client_for("js_bureau").get(f"/archive/households/{household.pk}/")
    client_for("js_inspector").get(f"/api/v1/households/{household.pk}/file")
    events = AuditEvent.objects.filter(action="pii.view_household", object_id=str(household.pk))
    assert {e.actor.username for e in events} == {
        "ab_assistant",
        "ab_caseworker",
        "js_bureau",
        "js_inspector",
    }
    assert all(e.at == clock.now() for e in events)
    from jiuzhu.events.feed import events_visible_to

    assert not events_visible_to(user("ab_caseworker")).filter(action="pii.view_household").exists()
