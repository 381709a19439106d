"""Webhooks: outside systems subscribe, per organisation, to the event feed of its jurisdiction; each event is
POSTed to them as JSON signed with HMAC-SHA256, retried with exponential backoff until delivered or given up.

Flow: `fanout()` turns settled feed events into `WebhookDelivery` rows (one per subscription and event) and
queues a `deliver` task for each; `deliver()` sends one, records the attempt and, on failure, schedules the
next (django-tasks `run_after` where the backend can defer; otherwise `pump()` picks it up when due).
`manage.py webhooks_pump` runs `pump()` once or in a loop (docs/operations.md).

Signature: header `X-Jiuzhu-Signature: sha256=<hex>` = HMAC-SHA256(secret, "<timestamp>.<body>"), with
`X-Jiuzhu-Timestamp` (Unix seconds); receivers recompute it and reject stale timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import secrets
import socket
import ssl
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django_tasks import task

from jiuzhu.core import audit, clock, crypto
from jiuzhu.core.errors import Forbidden, NotFound, ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.events import ssrf
from jiuzhu.events.feed import FEED_PREFIXES, as_item, events_in_area
from jiuzhu.events.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Organisation, User
from jiuzhu.orgs.roles import Perm

log = logging.getLogger(__name__)
SECRET_PURPOSE = "webhook_secret"  # noqa: S105 - an encryption purpose label
MAX_BACKOFF = timedelta(hours=6)
BATCH = 500

audit.register_actions(
    {
        "webhook.create": "新增事件推送订阅",
        "webhook.deactivate": "停用事件推送订阅",
        "webhook.retry": "重新投递事件推送",
    }
)


# --- who may manage subscriptions ------------------------------------------------------------------------


def _manage_prefixes(user) -> list[str] | None:
    authz.require(user, Perm.STAFF_MANAGE)
    if authz.is_global(user):
        return None
    return [
        m.organisation.jurisdiction.prefix
        for m in authz.memberships(user)
        if Perm.STAFF_MANAGE in authz.perms_of(m.role)
    ]


def subscriptions_visible_to(user) -> QuerySet[WebhookSubscription]:
    """Subscriptions of organisations in the jurisdiction of the user's "管理工作人员账号" memberships."""
    prefixes = _manage_prefixes(user)
    qs = WebhookSubscription.objects.select_related("organisation")
    if prefixes is None:
        return qs
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(area_code__startswith=p)
    return qs.filter(q)


def get_subscription(user, subscription_id: int) -> WebhookSubscription:
    found = subscriptions_visible_to(user).filter(pk=subscription_id).first()
    if found is None:
        raise NotFound()
    return found


def deliveries_visible_to(user) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(subscription__in=subscriptions_visible_to(user))


def organisations_for(user) -> QuerySet[Organisation]:
    prefixes = _manage_prefixes(user)
    qs = Organisation.objects.select_related("jurisdiction").order_by("jurisdiction_id", "name")
    if prefixes is None:
        return qs
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(jurisdiction__code__startswith=p)
    return qs.filter(q)


# --- subscriptions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    subscription: WebhookSubscription
    secret: str  # shown once


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise ValidationFailed(
            "接收地址须为 http:// 或 https:// 开头的完整网址", field_errors={"url": "地址无效"}
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
        ssrf.check_url(url)
    except ValueError:
        raise ValidationFailed("接收地址的端口无效", field_errors={"url": "端口无效"}) from None
    except ssrf.Blocked as exc:
        raise ValidationFailed(str(exc), field_errors={"url": "不允许的地址"}) from None
    return url


def _check_types(types: list[str]) -> list[str]:
    clean = sorted({t.strip() for t in types or [] if t and t.strip()})
    bad = [t for t in clean if not any(t.startswith(p) or p.startswith(t) for p in FEED_PREFIXES)]
    if bad:
        raise ValidationFailed(
            "事件类型无效：" + "、".join(bad) + "（可选：" + "、".join(FEED_PREFIXES) + "）",
            field_errors={"event_types": "无效"},
        )
    return clean


@transaction.atomic
def subscription_create(
    *, by: User, organisation: Organisation, name: str, url: str, event_types: list[str]
) -> Created:
    """A receiver for the events of `organisation`'s jurisdiction, from now on (no history replay)."""
    membership = authz.require(by, Perm.STAFF_MANAGE, organisation.jurisdiction_id)
    name = (name or "").strip()
    if not 1 <= len(name) <= 80:
        raise ValidationFailed("请填写名称（80 字以内）", field_errors={"name": "必填"})
    url = _check_url(url)
    types = _check_types(event_types)
    secret = secrets.token_hex(32).upper()
    subscription = WebhookSubscription.objects.create(
        organisation=organisation,
        area_code=organisation.jurisdiction_id,
        name=name,
        url=url,
        secret_cipher=crypto.encrypt(secret, purpose=SECRET_PURPOSE),
        event_types=types,
        last_event_id=AuditEvent.objects.aggregate(m=Max("pk"))["m"] or 0,
        created_by=by,
        created_at=clock.now(),
    )
    audit.record(
        actor=by,
        membership=membership,
        action="webhook.create",
        obj=subscription,
        after={"name": name, "url": url, "event_types": types, "organisation": organisation.name},
    )
    return Created(subscription, secret)


@transaction.atomic
def subscription_deactivate(*, by: User, subscription: WebhookSubscription) -> WebhookSubscription:
    membership = authz.require(by, Perm.STAFF_MANAGE, subscription.area_code)
    sub = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if sub.is_active:
        sub.is_active = False
        sub.deactivated_at = clock.now()
        sub.save(update_fields=["is_active", "deactivated_at"])
        sub.deliveries.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]).update(
            status=DeliveryStatus.FAILED, last_error="订阅已停用", next_attempt_at=None
        )
        audit.record(actor=by, membership=membership, action="webhook.deactivate", obj=sub)
    return sub


@transaction.atomic
def delivery_retry(*, by: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a failed delivery again (its attempts start over)."""
    membership = authz.require(by, Perm.STAFF_MANAGE, delivery.area_code)
    d = WebhookDelivery.objects.select_for_update().select_related("subscription").get(pk=delivery.pk)
    if not d.subscription.is_active:
        raise Forbidden("订阅已停用，不能重新投递")
    if d.status != DeliveryStatus.FAILED:
        raise ValidationFailed("只有最终失败的推送可以重新投递")
    d.status, d.attempts, d.next_attempt_at, d.last_error = DeliveryStatus.PENDING, 0, clock.now(), ""
    d.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
    audit.record(
        actor=by,
        membership=membership,
        action="webhook.retry",
        obj=d.subscription,
        after={"event": d.event_id},
    )
    _enqueue(d.pk)
    return d


# --- fan-out and delivery --------------------------------------------------------------------------------


def _enqueue(delivery_id: int, run_after=None) -> None:
    def go() -> None:
        queued = webhook_deliver
        if run_after is not None:
            if not queued.get_backend().supports_defer:
                return  # pump() sends it when due
            queued = queued.using(run_after=run_after)
        queued.enqueue(delivery_id)

    transaction.on_commit(go)


def fanout() -> int:
    """Create deliveries for the settled events each active subscription has not seen yet."""
    created = 0
    for sub in WebhookSubscription.objects.filter(is_active=True).order_by("pk"):
        with transaction.atomic():
            sub = WebhookSubscription.objects.select_for_update().get(pk=sub.pk)
            events = list(
                events_in_area(
                    sub.organisation.jurisdiction.prefix, after=sub.last_event_id, types=sub.event_types
                )[:BATCH]
            )
            now = clock.now()
            for event in events:
                item = as_item(event)
                try:
                    with transaction.atomic():
                        delivery = WebhookDelivery.objects.create(
                            subscription=sub,
                            event_id=event.pk,
                            event_type=event.action,
                            area_code=event.area_code,
                            payload=json.loads(json.dumps(item, cls=DjangoJSONEncoder, ensure_ascii=False)),
                            next_attempt_at=now,
                            created_at=now,
                        )
                except IntegrityError:
                    continue
                created += 1
                _enqueue(delivery.pk)
            if events:
                sub.last_event_id = events[-1].pk
                sub.save(update_fields=["last_event_id"])
    return created


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to a moment later."""

    def __init__(self, host: str, port: int, address: str, timeout: int) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: int) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)  # the certificate is the name's


def send(url: str, body: bytes, headers: dict[str, str], timeout: int) -> tuple[int | None, str]:
    """POST once, without following redirects (a receiver answers; it does not send us elsewhere). Returns
    (HTTP status or None, error text); raises `ssrf.Blocked` for an address that is not allowed. Replaced
    in tests."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = ssrf.checked_address(host, port)  # after DNS resolution, every time
    factory = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = factory(host, port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        status = response.status
        return status, "" if 200 <= status < 300 else f"HTTP {status}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, str(exc)[:300] or type(exc).__name__
    finally:
        connection.close()


def backoff(attempts: int) -> timedelta:
    return min(
        timedelta(seconds=settings.JIUZHU_WEBHOOK_RETRY_SECONDS * 2 ** max(attempts - 1, 0)), MAX_BACKOFF
    )


def deliver(delivery_id: int) -> WebhookDelivery | None:
    """One attempt: claim the delivery when due, send outside any transaction, record the outcome."""
    now = clock.now()
    timeout = settings.JIUZHU_WEBHOOK_TIMEOUT
    with transaction.atomic():
        d = (
            WebhookDelivery.objects.select_for_update()
            .select_related("subscription")
            .filter(pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
            .first()
        )
        if d is None or not d.subscription.is_active or (d.next_attempt_at and d.next_attempt_at > now):
            return d
        d.attempts += 1
        d.last_attempt_at = now
        d.next_attempt_at = now + timedelta(seconds=timeout * 3)  # a lease while this attempt runs
        d.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
    sub = d.subscription
    body = json.dumps(
        {"delivery": d.pk, "event": d.payload, "subscription": sub.pk}, ensure_ascii=False, sort_keys=True
    ).encode()
    stamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "jiuzhu-webhooks/1",
        "X-Jiuzhu-Event": d.event_type,
        "X-Jiuzhu-Delivery": str(d.pk),
        "X-Jiuzhu-Timestamp": stamp,
        "X-Jiuzhu-Signature": sign(crypto.decrypt(sub.secret_cipher, purpose=SECRET_PURPOSE), stamp, body),
    }
    blocked = ""
    try:
        status, error = send(sub.url, body, headers, timeout)
    except ssrf.Blocked as exc:
        status, error, blocked = None, str(exc), str(exc)
    done = clock.now()
    with transaction.atomic():
        d = WebhookDelivery.objects.select_for_update().get(pk=d.pk)
        d.last_status_code = status
        if status is not None and 200 <= status < 300:
            d.status, d.delivered_at, d.next_attempt_at, d.last_error = (
                DeliveryStatus.DELIVERED,
                done,
                None,
                "",
            )
        elif blocked:  # not a passing failure: the address is refused, retrying would change nothing
            d.status, d.next_attempt_at, d.last_error = DeliveryStatus.FAILED, None, blocked
        elif d.attempts >= settings.JIUZHU_WEBHOOK_MAX_ATTEMPTS:
            d.status, d.next_attempt_at, d.last_error = DeliveryStatus.FAILED, None, error or f"HTTP {status}"
        else:
            d.status, d.last_error = DeliveryStatus.RETRYING, error or f"HTTP {status}"
            d.next_attempt_at = done + backoff(d.attempts)
            _enqueue(d.pk, run_after=d.next_attempt_at)
        d.save()
    if d.status == DeliveryStatus.FAILED:
        log.warning("webhook delivery %s to %s failed for good: %s", d.pk, sub.url, d.last_error)
    return d


def pump() -> dict[str, int]:
    """Fan out new events, then send every delivery that is due (the safety net for lost tasks)."""
    created = fanout()
    due = list(
        WebhookDelivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
            next_attempt_at__lte=clock.now(),
            subscription__is_active=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    for pk in due:
        deliver(pk)
    return {"created": created, "attempted": len(due)}


# --- background tasks (django-tasks) -----------------------------------------------------------------------
# Defined beside the work they run, so that sending and scheduling need no import of a second module.


@task()
def webhook_deliver(delivery_id: int) -> None:
    deliver(delivery_id)


@task()
def webhooks_pump() -> None:
    pump()
