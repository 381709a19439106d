"""The one clock. Every piece of code asks here for "now" and "today"; tests freeze it.

Nothing else calls `timezone.now()`, `date.today()` or `datetime.now()` (a test greps for it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.utils import timezone

_lock = threading.Lock()
_frozen: datetime | None = None


def now() -> datetime:
    frozen = _frozen
    return frozen if frozen is not None else timezone.now()


def today() -> date:
    return timezone.localdate(now())


def local_datetime(day: date, at: time = time(9, 0)) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def freeze(at: datetime | date) -> None:
    """Stop the clock at `at` (a date means 09:00 local time that day)."""
    global _frozen
    if isinstance(at, date) and not isinstance(at, datetime):
        at = local_datetime(at)
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    with _lock:
        _frozen = at


def advance(delta: timedelta) -> None:
    global _frozen
    with _lock:
        if _frozen is None:
            raise RuntimeError("advance() needs a frozen clock")
        _frozen = _frozen + delta


def unfreeze() -> None:
    global _frozen
    with _lock:
        _frozen = None


@contextmanager
def frozen_at(at: datetime | date) -> Iterator[None]:
    global _frozen
    previous = _frozen
    freeze(at)
    try:
        yield
    finally:
        _frozen = previous
