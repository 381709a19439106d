"""Reads of the console pages, scoped to the user: the audit trail of the user's jurisdiction."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from jiuzhu.core.models import AuditEvent
from jiuzhu.orgs import authz
from jiuzhu.orgs.roles import Perm


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """Auditors and the bureau see the events of their jurisdiction (AUDIT_VIEW)."""
    authz.require(user, Perm.AUDIT_VIEW)
    if authz.is_global(user):
        return AuditEvent.objects.all()
    prefixes = [
        m.organisation.jurisdiction.prefix
        for m in authz.memberships(user)
        if Perm.AUDIT_VIEW in authz.perms_of(m.role)
    ]
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(area_code__startswith=p)
    return AuditEvent.objects.filter(q)
