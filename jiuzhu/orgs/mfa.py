"""Second factor (等保 身份鉴别: two kinds of authentication, PI2): TOTP (RFC 6238, the 6-digit codes of an
authenticator app) with one-time recovery codes.

Mandatory for the roles of the `security.mfa_roles` parameter (those that decide, pay, supervise or
administer), optional for others. The secret is encrypted at rest with the field encryption; a code is accepted
once (the time step last used is kept); recovery codes are stored as password hashes and shown once. A lost
authenticator is reset by a security administrator (audited), which also ends the account's sessions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
import struct
from dataclasses import dataclass
from urllib.parse import quote

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from jiuzhu.core import audit, clock, crypto, params
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import RecoveryCode, SecondFactor, User
from jiuzhu.orgs.selectors import home_area

SECRET_PURPOSE = "totp_secret"  # noqa: S105 - an encryption purpose label
ISSUER = "救助"
STEP = 30
DIGITS = 6
DRIFT = 1  # steps either side accepted (a phone clock 30 s off)
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

audit.register_actions(
    {
        "mfa.enrol": "启用动态口令",
        "mfa.disable": "关闭动态口令",
        "mfa.recovery_codes": "重新生成恢复码",
        "mfa.recovery_used": "使用恢复码登录",
        "mfa.reset": "重置动态口令",
    }
)


# --- RFC 6238 ----------------------------------------------------------------------------------------------


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def code_at(secret: str, step: int) -> str:
    """HOTP (RFC 4226) of one time step: HMAC-SHA-1, what every authenticator app computes."""
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def current_step() -> int:
    return int(clock.now().timestamp()) // STEP


def current_code(secret: str) -> str:
    return code_at(secret, current_step())


def matching_step(secret: str, code: str, *, after: int = 0) -> int | None:
    """The time step within the drift whose code is `code`, if it is later than `after` (no replay)."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = current_step()
    for step in range(now - DRIFT, now + DRIFT + 1):
        if step > after and hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(user: User, secret: str) -> str:
    label = quote(f"{ISSUER}:{user.get_username()}")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(ISSUER)}&digits={DIGITS}&period={STEP}"


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG (no file, no request to anywhere)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


# --- policy ------------------------------------------------------------------------------------------------


def required_roles(user: User) -> set[str]:
    return set(params.get("security.mfa_roles", area_code=home_area(user), on=clock.today()))


def is_mandatory(user: User) -> bool:
    """PI2: a role that decides, pays, supervises or administers (the parameter's list) needs a second factor."""
    return bool(authz.roles(user) & required_roles(user)) or bool(user.is_superuser)


def is_enrolled(user: User) -> bool:
    return SecondFactor.objects.filter(user=user).exists()


def _home(user: User):
    home = authz.primary_membership(user)
    return home, (home.area_code if home else "")


# --- enrolment and use -------------------------------------------------------------------------------------


def _new_recovery_codes(user: User) -> list[str]:
    user.recovery_codes.all().delete()
    codes = [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(3))
        for _ in range(RECOVERY_CODES)
    ]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=make_password(_normal(code))) for code in codes]
    )
    return codes


def _normal(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


@transaction.atomic
def enrol(*, user: User, secret: str, code: str) -> list[str]:
    """Keep the authenticator whose first code the user typed; returns the recovery codes (shown once)."""
    if SecondFactor.objects.select_for_update().filter(user=user).exists():
        raise ValidationFailed("已启用动态口令；如需更换手机，请先关闭或由安全管理员重置")
    step = matching_step(secret, code)
    if step is None:
        raise ValidationFailed(
            "验证码不正确：请确认手机时间准确，并输入验证器中当前显示的 6 位数字",
            field_errors={"code": "验证码不正确"},
        )
    SecondFactor.objects.create(
        user=user,
        secret_cipher=crypto.encrypt(secret, purpose=SECRET_PURPOSE),
        confirmed_at=clock.now(),
        last_step=step,
    )
    codes = _new_recovery_codes(user)
    home, area = _home(user)
    audit.record(actor=user, membership=home, action="mfa.enrol", obj=user, area_code=area)
    return codes


@dataclass(frozen=True)
class Verified:
    ok: bool
    recovery: bool = False
    remaining_codes: int = 0


@transaction.atomic
def verify(*, user: User, code: str) -> Verified:
    """Check a TOTP code (each once) or a recovery code (each once, audited)."""
    factor = SecondFactor.objects.select_for_update().filter(user=user).first()
    if factor is None:
        return Verified(False)
    secret = crypto.decrypt(factor.secret_cipher, purpose=SECRET_PURPOSE)
    step = matching_step(secret, code, after=factor.last_step)
    if step is not None:
        factor.last_step = step
        factor.save(update_fields=["last_step"])
        return Verified(True)
    normal = _normal(code)
    if len(normal) != 12:
        return Verified(False)
    for row in user.recovery_codes.select_for_update().filter(used_at__isnull=True):
        if check_password(normal, row.code_hash):
            row.used_at = clock.now()
            row.save(update_fields=["used_at"])
            left = user.recovery_codes.filter(used_at__isnull=True).count()
            home, area = _home(user)
            audit.record(
                actor=user,
                membership=home,
                action="mfa.recovery_used",
                obj=user,
                area_code=area,
                after={"remaining": left},
            )
            return Verified(True, recovery=True, remaining_codes=left)
    return Verified(False)


@transaction.atomic
def regenerate_recovery_codes(*, user: User) -> list[str]:
    if not is_enrolled(user):
        raise ValidationFailed("尚未启用动态口令")
    codes = _new_recovery_codes(user)
    home, area = _home(user)
    audit.record(actor=user, membership=home, action="mfa.recovery_codes", obj=user, area_code=area)
    return codes


@transaction.atomic
def disable(*, user: User) -> None:
    """Switch the second factor off — only where no role of the account requires it."""
    if is_mandatory(user):
        raise ValidationFailed("您的岗位必须使用动态口令登录，不能关闭；更换手机请联系安全管理员重置")
    deleted, _ = SecondFactor.objects.filter(user=user).delete()
    user.recovery_codes.all().delete()
    if deleted:
        home, area = _home(user)
        audit.record(actor=user, membership=home, action="mfa.disable", obj=user, area_code=area)


def remaining_recovery_codes(user: User) -> int:
    return user.recovery_codes.filter(used_at__isnull=True).count()


def secret_of(user: User) -> str | None:
    factor = SecondFactor.objects.filter(user=user).first()
    return crypto.decrypt(factor.secret_cipher, purpose=SECRET_PURPOSE) if factor else None
