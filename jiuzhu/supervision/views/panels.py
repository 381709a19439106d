"""Landing panels: the inspector's supervision overview and the township's supervision queue."""

from __future__ import annotations

from jiuzhu.core import clock
from jiuzhu.orgs import authz
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision import selectors
from jiuzhu.supervision.models import AlertStatus, ComplaintStatus, FindingStatus, MatterStatus, SampleKind
from jiuzhu.supervision.services import escalation


def inspector_panel(request, membership):
    """For the bureau's inspectors: this month's sample, open warnings, overdue supervision, complaints."""
    user = request.user
    today = clock.today()
    alerts = selectors.alerts_visible_to(user).filter(status=AlertStatus.OPEN)
    matters = selectors.matters_visible_to(user).exclude(status=MatterStatus.CLOSED)
    sample = (
        selectors.samples_visible_to(user)
        .filter(kind=SampleKind.MONTHLY, period_start=today.replace(day=1))
        .first()
    )
    complaints = (
        selectors.complaints_visible_to(user).exclude(status=ComplaintStatus.CLOSED).count()
        if authz.can(user, Perm.COMPLAINT_HANDLE)
        else 0
    )
    return "supervision/panels/inspector.html", {
        "alerts": alerts.count(),
        "matters": matters.count(),
        "overdue": escalation.overdue_steps(today=today).filter(matter__in=matters).count(),
        "answered": matters.filter(status=MatterStatus.ANSWERED).count(),
        "findings": selectors.findings_visible_to(user).filter(status=FindingStatus.OPEN).count(),
        "complaints": complaints,
        "sample": sample,
        "month": today,
    }


def township_panel(request, membership):
    """For township staff: supervision matters to answer and warnings to handle."""

    if not authz.can(request.user, Perm.WARNING_HANDLE, membership.area_code):
        return None
    counts = selectors.queue_counts(request.user)
    return "supervision/panels/township.html", {
        "matters": counts["matters"].count(),
        "overdue": counts["overdue"],
        "alerts": counts["alerts"].count(),
        "findings": counts["findings"].count(),
        "recent": list(counts["matters"].order_by("opened_on")[:5]),
    }
