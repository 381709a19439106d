"""Reports, dashboards and statistics may read from a PostgreSQL streaming replica (`DATABASE_REPLICA_URL`).

A page opts in with `reads_from_replica`; only its GET requests do, and within one only the reads before its first
write and outside a transaction go to the replica — a read that a write of the same request may depend on is made
on the primary. Everything else (logins, forms, services, jobs) reads and writes the primary.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps

from django.db import connections

REPLICA = "replica"
_reports: ContextVar[bool] = ContextVar("jiuzhu_replica_reads", default=False)
_wrote: ContextVar[bool] = ContextVar("jiuzhu_replica_wrote", default=False)


def reads_from_replica(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        reports, wrote = _reports.set(True), _wrote.set(False)
        try:
            return view(request, *args, **kwargs)
        finally:
            _reports.reset(reports)
            _wrote.reset(wrote)

    return wrapper


class ReplicaRouter:
    """DATABASE_ROUTERS entry, set by settings only when a replica is configured."""

    def db_for_read(self, model, **hints) -> str | None:
        if _reports.get() and not _wrote.get() and not connections["default"].in_atomic_block:
            return REPLICA
        return None

    def db_for_write(self, model, **hints) -> str | None:
        _wrote.set(True)
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica holds the same rows

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == "default"
