"""The one clock. Every piece of code asks here for "now" and "today"; tests freeze it.

Nothing else calls `timezone.now()`, `date.today()` or `datetime.now()` (a test greps for it).

A frozen clock is also written to the environment (`JIUZHU_FROZEN_AT`, an ISO datetime with its offset),
so that every process a frozen process starts — a worker, a management command, a server — runs on the
same clock instead of the real one. A process started with the variable set begins frozen at that time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.utils import timezone

ENV_VAR = "JIUZHU_FROZEN_AT"

_lock = threading.Lock()


def _from_environment() -> datetime | None:
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError as exc:
        raise RuntimeError(
            f"{ENV_VAR}={value!r} is not an ISO datetime such as 2026-11-20T10:00:00+08:00"
        ) from exc
    if at.tzinfo is None:
        raise RuntimeError(f"{ENV_VAR}={value!r} needs a UTC offset, e.g. 2026-11-20T10:00:00+08:00")
    return at


_frozen: datetime | None = _from_environment()


def _set(at: datetime | None) -> None:
    """Set the frozen moment here and in the environment inherited by child processes."""
    global _frozen
    with _lock:
        _frozen = at
        if at is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = at.isoformat()


def now() -> datetime:
    frozen = _frozen
    return frozen if frozen is not None else timezone.now()


def today() -> date:
    return timezone.localdate(now())


def is_frozen() -> bool:
    return _frozen is not None


def local_datetime(day: date, at: time = time(9, 0)) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def freeze(at: datetime | date) -> None:
    """Stop the clock at `at` (a date means 09:00 local time that day)."""
    if isinstance(at, date) and not isinstance(at, datetime):
        at = local_datetime(at)
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    _set(at)


def advance(delta: timedelta) -> None:
    frozen = _frozen
    if frozen is None:
        raise RuntimeError("advance() needs a frozen clock")
    _set(frozen + delta)


def unfreeze() -> None:
    _set(None)


@contextmanager
def frozen_at(at: datetime | date) -> Iterator[None]:
    previous = _frozen
    freeze(at)
    try:
        yield
    finally:
        _set(previous)
