"""Password policy (等保 身份鉴别, PI2): length ≥ 10 with three of four character classes, no reuse of the last
five, expiry by parameter, temporary passwords changed at the first login.

Every password of an account is set through `set_password()`, which records when, whether it is temporary,
and the history the reuse rule checks. The validators are Django password validators (settings
AUTH_PASSWORD_VALIDATORS), so the change form, the administrator's forms and the API all apply them.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

from jiuzhu.core import clock, params
from jiuzhu.orgs.models import PasswordHistory
from jiuzhu.orgs.selectors import home_area

HISTORY = 5  # previous passwords that may not be used again
CLASSES = (
    ("小写字母", str.islower),
    ("大写字母", str.isupper),
    ("数字", str.isdigit),
    ("符号", lambda c: not c.isalnum()),
)


class CharacterClassesValidator:
    """At least three of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, minimum: int = 3) -> None:
        self.minimum = minimum

    def validate(self, password: str, user=None) -> None:
        found = [name for name, test in CLASSES if any(test(c) for c in password)]
        if len(found) < self.minimum:
            raise ValidationError(
                f"密码须包含小写字母、大写字母、数字、符号中的至少 {self.minimum} 类（现有：{'、'.join(found) or '无'}）",
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return f"包含小写字母、大写字母、数字、符号中的至少 {self.minimum} 类"


class HistoryValidator:
    """Not the current password nor one of the previous `HISTORY` ones."""

    def validate(self, password: str, user=None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        if user.password and user.check_password(password):
            raise ValidationError("新密码不能与当前密码相同", code="password_reused")
        for old in user.password_history.all()[:HISTORY]:
            if check_password(password, old.password):
                raise ValidationError(f"不能使用最近 {HISTORY} 次用过的密码", code="password_reused")

    def get_help_text(self) -> str:
        return f"不能与最近 {HISTORY} 次的密码相同"


def set_password(user, raw: str, *, temporary: bool) -> None:
    """Set and save a password; the previous one goes into the history."""
    now = clock.now()
    if user.pk and user.password:
        PasswordHistory.objects.create(
            user=user, password=user.password, set_at=user.password_changed_at or now
        )
        keep = user.password_history.values_list("pk", flat=True)[: HISTORY - 1]
        user.password_history.exclude(pk__in=list(keep)).delete()
    user.set_password(raw)
    user.password_changed_at = now
    user.must_change_password = temporary
    if user.pk:
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    else:
        user.save()


def max_age_days(user) -> int:
    return int(params.get("security.password_max_age_days", area_code=home_area(user), on=clock.today()))


def change_reason(user) -> str:
    """Why this account must change its password before doing anything else ("" when it need not)."""
    if user.must_change_password:
        return "您正在使用管理员设置的临时密码，请先设置自己的新密码"
    if not user.password_changed_at or clock.now() - user.password_changed_at <= timedelta(days=1):
        return ""  # no parameter lookup on every request of someone who changed it recently
    days = max_age_days(user)
    if days and clock.now() - user.password_changed_at > timedelta(days=days):
        return f"您的密码已超过 {days} 天未修改，请先修改密码"
    return ""
