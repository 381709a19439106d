"""The event feed for outside systems (seed 000 annex 2 §2.3: the township provides data to other departments):
business events from the audit trail, scoped to the reader's jurisdiction, without personal data.

A feed item says *what* happened to *which* record (type, object, area, new status); the reader fetches the
record itself through the API, where its own permissions apply. Reads of personal data, logins and tokens
never appear. Events younger than `LAG` are held back: a transaction still running may commit an event with
a smaller id later, and a cursor that had already passed it would miss it.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet

from jiuzhu.core import audit, clock
from jiuzhu.core.models import AuditEvent
from jiuzhu.orgs import authz
from jiuzhu.orgs.roles import Perm

# Action prefixes that are business events (an allowlist: a new kind of event stays private until listed).
FEED_PREFIXES = (
    "case.",
    "household.",
    "discovery.",
    "delegation.",
    "document.issue",
    "document.revoke",
    "params.set",
    "calendar.load_year",
    "portal.complaint",
    # Enrolment, adjustments, suspension and termination matter most to other departments (seed 000
    # annex 2 §2.3); the month's closed payroll and a reopened month tell them when figures are final.
    "benefit.",
    "payroll.done",
    "payroll.reopen",
)
LAG = timedelta(seconds=10)


def _types_q(types: list[str] | None = None) -> Q:
    wanted = [p for p in FEED_PREFIXES if not types or any(p.startswith(t) or t.startswith(p) for t in types)]
    q = Q(pk__in=[])
    for prefix in wanted:
        q |= Q(action__startswith=prefix)
    if types:
        narrow = Q(pk__in=[])
        for t in types:
            narrow |= Q(action__startswith=t)
        q &= narrow
    return q


def events_in_area(
    area_prefix: str, *, after: int = 0, types: list[str] | None = None
) -> QuerySet[AuditEvent]:
    """Feed events of one jurisdiction (by code prefix), oldest first, settled for `LAG`."""
    return AuditEvent.objects.filter(
        _types_q(types), area_code__startswith=area_prefix, pk__gt=after, at__lte=clock.now() - LAG
    ).order_by("pk")


def events_visible_to(user, *, after: int = 0, types: list[str] | None = None) -> QuerySet[AuditEvent]:
    """The feed as `user` may read it: staff with "查看辖区业务数据", their jurisdiction only."""
    authz.require(user, Perm.VIEW)
    return AuditEvent.objects.filter(
        _types_q(types), authz.scope_q(user, "area_code"), pk__gt=after, at__lte=clock.now() - LAG
    ).order_by("pk")


def as_item(event: AuditEvent) -> dict:
    after = event.after if isinstance(event.after, dict) else {}
    status = after.get("status")
    return {
        "id": event.pk,
        "type": event.action,
        "label": audit.action_label(event.action),
        "at": event.at,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "reference": event.object_repr if event.object_type == "cases.case" else "",
        "area_code": event.area_code,
        "status": status if isinstance(status, str) else None,
    }
