"""Refusing to start with keys that do not fit the data (see `keyrecords`).

Two entry points: a system check (runserver, migrate, the task worker and every management command that runs
checks stop with the message) and `refuse_wrong_keys()`, which `jiuzhu.wsgi` calls so that gunicorn does not
serve either. After `migrate`, the current keys are registered (`post_migrate`).
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from jiuzhu.core.crypto import keyrecords

log = logging.getLogger(__name__)

HINT = (
    "检查 FIELD_ENCRYPTION_KEY、BLIND_INDEX_KEY、AUDIT_MAC_KEY、JIUZHU_KEY_VERSION、JIUZHU_CRYPTO_SUITE 与 "
    "JIUZHU_OLD_KEYS 是否为生成这些数据时的密钥；`manage.py crypto_status` 列出数据使用的密钥版本与指纹"
)
DEBUG_HINT = "（演示环境：若演示数据库由旧版本生成，删除 var/jiuzhu.sqlite3 后重新 make run）"


def _hint() -> str:
    return HINT + (DEBUG_HINT if settings.DEBUG else "")


def key_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [checks.Critical(message, hint=_hint(), id="jiuzhu.E001") for message in keyrecords.problems()]


def refuse_wrong_keys() -> None:
    found = keyrecords.problems()
    if found:
        raise ImproperlyConfigured("密钥与数据不符，拒绝启动：" + "；".join(found) + "。" + _hint())


def register_after_migrate(sender, using="default", **kwargs) -> None:
    if using != "default":
        return
    found = keyrecords.register_current()
    for message in found:
        print(f"警告：{message}。{_hint()}", file=sys.stderr)
