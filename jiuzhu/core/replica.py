"""Reports may read from a PostgreSQL streaming replica, so that a province's statistics do not load the primary.

Only reads that are marked as report reads go there: a page or API operation wrapped in `reads_replica` (GET and
HEAD only) or code inside `with report_reads():`. Everything else — every read a service does before it writes,
sessions, authentication, permissions — stays on the primary. Within a report, a read goes back to the primary
as soon as anything in it writes (a sensitive read's audit event, say) or while a transaction is open, so a
report never reads older data than it has just written.

The replica is the database alias `replica`, configured when `DATABASE_REPLICA_URL` is set (settings); without
it the router is not installed and this module does nothing. A replica lags the primary by a moment: report
pages may show `replica_lag_seconds()` beside their figures.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PRIMARY = "default"


@dataclass
class _Report:
    wrote: bool = False


_current: ContextVar[_Report | None] = ContextVar("jiuzhu_report_reads", default=None)


def configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def report_reads() -> Iterator[None]:
    """Reads inside go to the replica when there is one (until something writes)."""
    token = _current.set(_Report())
    try:
        yield
    finally:
        _current.reset(token)


P = ParamSpec("P")
R = TypeVar("R")


def reads_replica(view: Callable[P, R]) -> Callable[P, R]:
    """Mark a read-only report page or API operation: its GET reads may come from the replica."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        request = args[0]
        if getattr(request, "method", None) not in ("GET", "HEAD"):
            return view(*args, **kwargs)
        with report_reads():
            return view(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    """Sends report reads to the replica; every other read and every write to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        report = _current.get()
        if report is None or report.wrote or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        report = _current.get()
        if report is not None:
            report.wrote = True  # read-your-writes for the rest of this report
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


def replica_lag_seconds() -> float | None:
    """How far the replica's data trails the primary (None without a replica, or when it is idle and caught up)."""
    if not configured():
        return None
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
        )
        row = cursor.fetchone()
    return None if row is None or row[0] is None else float(row[0])
