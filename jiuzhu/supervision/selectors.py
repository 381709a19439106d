"""Reads of supervision records, each scoped to the user (convention 5): out of scope is 404."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from jiuzhu.core import clock
from jiuzhu.core.errors import NotFound
from jiuzhu.core.jurisdiction_codes import ancestor_codes
from jiuzhu.core.models import Job
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.orgs.roles import Perm
from jiuzhu.orgs.selectors import counties_visible_to
from jiuzhu.supervision.models import (
    Alert,
    AlertStatus,
    Complaint,
    ComplaintStatus,
    Finding,
    FindingStatus,
    FundAllocation,
    Inspection,
    Matter,
    MatterStatus,
    MatterStep,
    Sample,
    ScoreCard,
    Training,
)
from jiuzhu.supervision.services import escalation
from jiuzhu.supervision.services.alerts import SCAN_KIND


def _get(qs, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def samples_visible_to(user) -> QuerySet[Sample]:
    authz.require(user, Perm.VIEW)
    return Sample.objects.filter(authz.scope_q(user, "county_code")).select_related("drawn_by")


def get_sample(user, pk) -> Sample:
    return _get(samples_visible_to(user), pk)


def inspections_visible_to(user) -> QuerySet[Inspection]:
    authz.require(user, Perm.VIEW)
    return Inspection.objects.filter(authz.scope_q(user, "area_code")).select_related(
        "case", "case__household", "inspector", "sample_item__sample"
    )


def get_inspection(user, pk) -> Inspection:
    return _get(inspections_visible_to(user), pk)


def findings_visible_to(user) -> QuerySet[Finding]:
    authz.require(user, Perm.VIEW)
    return Finding.objects.filter(authz.scope_q(user, "area_code")).select_related(
        "case", "inspection", "complaint"
    )


def get_finding(user, pk) -> Finding:
    return _get(findings_visible_to(user), pk)


def alerts_visible_to(user) -> QuerySet[Alert]:
    authz.require(user, Perm.VIEW)
    return Alert.objects.filter(authz.scope_q(user, "area_code")).select_related(
        "case", "household", "assigned_to", "handled_by"
    )


def get_alert(user, pk) -> Alert:
    return _get(alerts_visible_to(user), pk)


def matters_visible_to(user) -> QuerySet[Matter]:
    authz.require(user, Perm.VIEW)
    return Matter.objects.filter(authz.scope_q(user, "township_code")).select_related("case", "created_by")


def get_matter(user, pk) -> Matter:
    return _get(matters_visible_to(user), pk)


def get_step(user, matter: Matter, pk) -> MatterStep:
    return _get(matter.steps.all(), pk)


def _handed_to_own_staff(user) -> Q:
    """S8: a township (or village) sees only the matters the bureau handed to its own staff, never the
    complaints still with the bureau; the bureau's complaint handlers see every complaint of their area."""
    if authz.can(user, Perm.COMPLAINANT_VIEW):
        return Q()
    own = Complaint.objects.filter(
        authz.scope_q(user, "assigned_to__memberships__organisation__jurisdiction__code")
    )
    return Q(pk__in=own.values("pk"))


def complaints_visible_to(user) -> QuerySet[Complaint]:
    """Complaints name their complainants: only those who handle complaints read them; a township only the
    matters handed to it."""
    authz.require(user, Perm.COMPLAINT_HANDLE)
    return Complaint.objects.filter(
        authz.scope_q(user, "area_code"), _handed_to_own_staff(user)
    ).select_related("case", "assigned_to")


def staff_in_scope(user) -> QuerySet[User]:
    """Active staff of the user's jurisdiction: those a complaint may name (S8)."""
    return (
        User.objects.filter(
            authz.scope_q(user, "memberships__organisation__jurisdiction__code"),
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "pk")
    )


def get_complaint(user, pk) -> Complaint:
    complaint = _get(Complaint.objects.filter(authz.scope_q(user, "area_code")), pk)
    authz.require(user, Perm.COMPLAINT_HANDLE, complaint.area_code)
    if not Complaint.objects.filter(_handed_to_own_staff(user), pk=complaint.pk).exists():
        raise NotFound()  # in the township's area but not handed to it (S8)
    return complaint


def scorecards_visible_to(user) -> QuerySet[ScoreCard]:
    authz.require(user, Perm.VIEW)
    return ScoreCard.objects.filter(authz.scope_q(user, "township_code"))


def get_scorecard(user, pk) -> ScoreCard:
    return _get(scorecards_visible_to(user), pk)


def allocations_visible_to(user) -> QuerySet[FundAllocation]:
    authz.require(user, Perm.VIEW)
    return FundAllocation.objects.filter(authz.scope_q(user, "township_code"))


def trainings_visible_to(user) -> QuerySet[Training]:
    authz.require(user, Perm.VIEW)
    return Training.objects.filter(authz.scope_q(user, "county_code")).prefetch_related("attendees")


def townships_for(user) -> QuerySet[Jurisdiction]:
    authz.require(user, Perm.VIEW)
    return Jurisdiction.objects.filter(authz.scope_q(user, "code"), level=Level.TOWNSHIP).order_by("code")


def counties_for(user) -> list[Jurisdiction]:
    """Counties whose supervision the user may run or read (their own county)."""

    return [c for c in counties_visible_to(user).order_by("code") if authz.in_scope(user, c.code)]


def handlers_for(area_code: str, perm: str = Perm.WARNING_HANDLE) -> list[User]:
    """People who may handle something in an area (for assignment lists)."""

    users = (
        User.objects.filter(
            memberships__is_active=True,
            memberships__organisation__jurisdiction_id__in=ancestor_codes(area_code),
            is_active=True,
        )
        .distinct()
        .order_by("full_name")
    )
    return [u for u in users if authz.can(u, perm, area_code)]


def names() -> dict[str, str]:
    return dict(Jurisdiction.objects.filter(level__lte=Level.TOWNSHIP).values_list("code", "name"))


def get_scan_job(user, pk):
    """A warning-scan job (S6) of the user's jurisdiction, for those who supervise."""

    job = Job.objects.filter(pk=pk, kind=SCAN_KIND).first()
    if job is None or not authz.in_scope(user, job.area_code):
        raise NotFound()
    authz.require(user, Perm.SUPERVISE, job.area_code)
    return job


def queue_counts(user) -> dict:
    """What a township has to answer: open matters, open warnings, open findings, complaints given to it."""

    today = clock.today()
    matters = matters_visible_to(user).filter(status=MatterStatus.OPEN)
    complaints = (
        complaints_visible_to(user).filter(
            status__in=[ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED, ComplaintStatus.INVESTIGATED]
        )
        if authz.can(user, Perm.COMPLAINT_HANDLE)
        else None
    )
    return {
        "matters": matters,
        "overdue": escalation.overdue_steps(today=today).filter(matter__in=matters).count(),
        "alerts": alerts_visible_to(user).filter(status=AlertStatus.OPEN),
        "findings": findings_visible_to(user).filter(status=FindingStatus.OPEN),
        "complaints": complaints,
    }
