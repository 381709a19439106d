"""The one clock. Every piece of code asks here for "now" and "today"; tests freeze it.

Nothing else calls `timezone.now()`, `date.today()` or `datetime.now()` (a test greps for it).

A frozen clock is also written to the environment (`JIUZHU_FROZEN_AT`, an ISO datetime with its offset),
so that every process a frozen process starts — a worker, a management command, a server — runs on the
same clock instead of the real one. A process started with the variable set begins frozen at that time.

The training copy (培训环境, setting JIUZHU_TRAINING) adds an offset to whichever time that is, so that an
administrator can move the copy's days forward (“前进 7 天”, “到下月 1 日”) while the clock keeps running. The
offset lives in a small file next to the training database (JIUZHU_TRAINING_CLOCK_FILE), so that every process
of the copy — web server, worker, management commands — reads the same one; each process rereads it at most
once a second. It only ever grows: the audit chain and every record assume time does not go back. Outside the
training copy the file is never read and the offset cannot be set.
"""

from __future__ import annotations

import json
import os
import threading
import time as _time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.conf import settings
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
    base = frozen if frozen is not None else timezone.now()
    offset = training_offset()
    return base + offset if offset else base


# --- the training copy's offset ------------------------------------------------------------------------

TRAINING_REREAD_SECONDS = 1.0
_training_cache: dict[str, object] = {"path": None, "read_at": -1e9, "offset": timedelta(0)}


def training_file() -> str | None:
    """The offset file of the training copy, or None when this is not a training copy."""
    if not settings.configured or not getattr(settings, "JIUZHU_TRAINING", False):
        return None
    path = getattr(settings, "JIUZHU_TRAINING_CLOCK_FILE", None)
    return str(path) if path else None


def _read_offset(path: str) -> timedelta:
    try:
        with open(path, encoding="utf-8") as f:
            seconds = json.load(f)["offset_seconds"]
    except FileNotFoundError:
        return timedelta(0)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"the training clock file {path} is unreadable: {exc}") from exc
    return timedelta(seconds=int(seconds))


def training_offset() -> timedelta:
    """How far the training copy's clock has been moved forward (zero outside the training copy)."""
    path = training_file()
    if path is None:
        return timedelta(0)
    tick = _time.monotonic()  # elapsed time for the cache only, never a date
    cache = _training_cache
    if cache["path"] != path or tick - float(cache["read_at"]) >= TRAINING_REREAD_SECONDS:  # type: ignore[arg-type]
        offset = _read_offset(path)
        with _lock:
            cache.update(path=path, read_at=tick, offset=offset)
    return cache["offset"]  # type: ignore[return-value]


def move_training_clock(delta: timedelta) -> timedelta:
    """Add `delta` (forward only) to the training copy's offset, for every process of the copy; returns the
    new offset. Callers record who moved it (core.services.training_clock_move)."""
    path = training_file()
    if path is None:
        raise RuntimeError("the clock can only be moved in the training copy (JIUZHU_TRAINING)")
    if delta <= timedelta(0):
        raise ValueError("the training clock only moves forward")
    with _lock:
        offset = _read_offset(path) + delta
        folder = os.path.dirname(path) or "."
        os.makedirs(folder, exist_ok=True)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump({"offset_seconds": int(offset.total_seconds())}, f)
        os.replace(temporary, path)  # readers see the old file or the new one, never half of one
        _training_cache.update(path=path, read_at=_time.monotonic(), offset=offset)
    return offset


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
