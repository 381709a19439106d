"""Verifying a household member's phone with a one-time code (A3): each adult member confirms the
verification authorisation and the commitment letter online with their own phone.

Codes are sent through `settings.JIUZHU_SMS_BACKEND`: "locmem" keeps them in `outbox` (tests, demos),
"log" writes them to the log (development only: refused unless DEBUG), "" means no SMS gateway is set up
and online signing is refused with a clear message. A real gateway is a dotted path to a function
`send(phone, text)`.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from jiuzhu.core import clock, crypto
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.masking import mask_phone
from jiuzhu.portal.models import PhoneCode

log = logging.getLogger(__name__)

PURPOSE = "portal_phone"
VALID_MINUTES = 10
MAX_ATTEMPTS = 5
outbox: list[tuple[str, str]] = []  # (phone, text) sent by the "locmem" backend


def normalise(phone: str) -> str:
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if len(digits) != 11 or not digits.startswith("1"):
        raise ValidationFailed("请填写 11 位手机号码", field_errors={"phone": "手机号码不正确"})
    return digits


def _hash(index: str, code: str) -> str:
    # Keyed like the ID index (the configured suite), so a stored code hash reveals nothing without the key.
    return crypto.blind_index(f"{index}:{code}", purpose="phone_code")


def available() -> bool:
    """Whether codes can be sent at all: a gateway is configured (or the test outbox, or the log in DEBUG).
    Without one the portal still takes applications; the adults then sign at the window (D-130)."""
    backend = getattr(settings, "JIUZHU_SMS_BACKEND", "")
    return backend == "locmem" or (backend == "log" and settings.DEBUG) or bool(backend and backend != "log")


def _sender() -> Callable[[str, str], None]:
    backend = getattr(settings, "JIUZHU_SMS_BACKEND", "")
    if backend == "locmem":
        return lambda phone, text: outbox.append((phone, text))
    if backend == "log" and settings.DEBUG:
        return lambda phone, text: log.info("SMS to %s: %s", mask_phone(phone), text)
    if backend and backend != "log":
        return import_string(backend)
    raise ValidationFailed("短信验证暂不可用，请到乡镇（街道）或村（社区）窗口签署授权书和承诺书")


def code_send(*, phone: str) -> str:
    """Send a fresh code to `phone` (the caller limits how often); returns the masked phone."""
    number = normalise(phone)
    send = _sender()
    code = f"{secrets.randbelow(10**6):06d}"
    index = crypto.blind_index(number, purpose=PURPOSE)
    now = clock.now()
    with transaction.atomic():
        PhoneCode.objects.filter(expires_at__lt=now).delete()
        PhoneCode.objects.create(
            phone_index=index,
            code_hash=_hash(index, code),
            expires_at=now + timedelta(minutes=VALID_MINUTES),
            created_at=now,
        )
    send(
        number,
        f"【社会救助】验证码 {code}，{VALID_MINUTES} 分钟内有效，用于确认家庭经济状况核对授权和承诺书。",
    )
    return mask_phone(number)


def code_check(*, phone: str, code: str, field: str = "code") -> PhoneCode:
    """The latest unused code of the phone, if `code` matches (a wrong code counts an attempt). Not used
    up here: `use` does that in the transaction that relies on it."""
    number = normalise(phone)
    index = crypto.blind_index(number, purpose=PURPOSE)
    row = (
        PhoneCode.objects.filter(phone_index=index, used_at__isnull=True, expires_at__gte=clock.now())
        .order_by("-created_at")
        .first()
    )
    wrong = ValidationFailed(
        f"手机 {mask_phone(number)} 的验证码不正确或已过期，请重新获取", field_errors={field: "验证码不正确"}
    )
    if row is None or row.attempts >= MAX_ATTEMPTS:
        raise wrong
    if not hmac.compare_digest(row.code_hash, _hash(index, "".join((code or "").split()))):
        PhoneCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
        raise wrong
    return row


def use(rows: list[PhoneCode]) -> None:
    """Inside the caller's transaction: each code serves once (a second use refuses the whole write)."""
    used = PhoneCode.objects.filter(pk__in=[r.pk for r in rows], used_at__isnull=True).update(
        used_at=clock.now()
    )
    if used != len({r.pk for r in rows}):
        raise ValidationFailed("验证码已被使用，请重新获取")
