"""Rate limits: fixed-window counters in the database, shared by every worker process.

`hit(key, rate)` counts one request and says whether it is allowed. The API applies it through django-ninja's
throttle mechanism (`PerUser`, `PerAddress`, set once on the NinjaAPI so that every router inherits them); pages
such as the portal's status query call `hit()` themselves. Rates are strings like "600/min" read from
`settings.JIUZHU_RATES` at call time.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from ninja.throttling import BaseThrottle

from jiuzhu.api.models import RateCounter
from jiuzhu.api.rates import Rate
from jiuzhu.core import clock
from jiuzhu.core.middleware import client_ip


def rate_of(scope: str) -> Rate:
    return Rate.parse(settings.JIUZHU_RATES[scope])


@dataclass(frozen=True)
class Outcome:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window resets


def hit(key: str, rate: Rate) -> Outcome:
    """Count one request for `key` in the current window."""

    now = clock.now()
    stamp, window = _window(rate)
    with transaction.atomic():
        updated = RateCounter.objects.filter(key=key, window=window).update(count=F("count") + 1)
        if not updated:
            RateCounter.objects.filter(expires_at__lt=now).delete()  # old windows, of any key
            try:
                with transaction.atomic():
                    RateCounter.objects.create(
                        key=key, window=window, count=1, expires_at=now + timedelta(seconds=rate.period)
                    )
            except IntegrityError:  # another process created it meanwhile
                RateCounter.objects.filter(key=key, window=window).update(count=F("count") + 1)
        count = RateCounter.objects.filter(key=key, window=window).values_list("count", flat=True).get()
    retry_after = max(1, math.ceil(window + rate.period - stamp))
    return Outcome(allowed=count <= rate.limit, count=count, limit=rate.limit, retry_after=retry_after)


def _window(rate: Rate) -> tuple[float, int]:
    stamp = clock.now().timestamp()
    return stamp, int(stamp // rate.period) * rate.period


def peek(key: str, rate: Rate) -> int:
    """How many requests `key` made in the current window, without counting one."""

    _, window = _window(rate)
    return RateCounter.objects.filter(key=key, window=window).values_list("count", flat=True).first() or 0


def seconds_left(rate: Rate) -> int:
    stamp, window = _window(rate)
    return max(1, math.ceil(window + rate.period - stamp))


class _Throttle(BaseThrottle):
    """A django-ninja throttle over `hit()`. `scope` names the rate in settings."""

    scope = ""

    def __init__(self, scope: str | None = None) -> None:
        self.scope = scope or self.scope
        self._local = threading.local()

    def key_of(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request) -> bool:
        key = self.key_of(request)
        if key is None:
            return True
        outcome = hit(f"{self.scope}:{key}", rate_of(self.scope))
        self._local.wait = outcome.retry_after
        return outcome.allowed

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)


class PerUser(_Throttle):
    """Authenticated requests: per token (a person's integrations are counted apart), else per user."""

    scope = "api_user"

    def key_of(self, request) -> str | None:
        token = getattr(request, "api_token", None)
        if token is not None:
            return f"token:{token.pk}"
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return f"user:{user.pk}"
        return None


class PerAddress(_Throttle):
    """Anonymous requests (public endpoints): per client address."""

    scope = "api_anon"

    def key_of(self, request) -> str | None:
        user = getattr(request, "user", None)
        if getattr(user, "is_authenticated", False) or getattr(request, "api_token", None) is not None:
            return None
        return f"ip:{client_ip(request) or 'unknown'}"
