"""Reads of payments, shared by the pages and the API: one scoping function per payments object (outside
the user's counties an object does not exist, 404; in scope without the role, 403), the month's ledger as
the user may see it, and what the run and adjustment pages list."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from jiuzhu.benefits.models import ChangeKind, Enrolment, EnrolmentChange
from jiuzhu.benefits.selectors import in_force_q
from jiuzhu.core.errors import NotFound
from jiuzhu.core.models import Job
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.orgs.selectors import counties_visible_to
from jiuzhu.payments.models import LedgerEntry, PayrollRun

# The job kind of an import of the bank's results (`services.reconcile_job` queues it).
RECONCILE_KIND = "payroll_reconcile"


def get_run(user: User, pk: int) -> PayrollRun:
    run = PayrollRun.objects.filter(pk=pk).select_related("job", "by").first()
    if run is None or not counties_visible_to(user).filter(code=run.county_code).exists():
        raise NotFound()
    return run


def get_reconcile_job(user: User, pk: int, *, full: bool = True) -> Job:
    """`full=False` leaves out the result (every bad row: large) for progress polling."""
    qs = Job.objects.filter(pk=pk, kind=RECONCILE_KIND)
    job = (qs if full else qs.defer("result")).first()
    if job is None:
        raise NotFound()
    authz.require(user, Perm.RECONCILE, job.area_code)
    return job


def entries_for(
    user: User, *, county_code: str, month: date, township_code: str = ""
) -> QuerySet[LedgerEntry]:
    """A month's ledger as the user may see it: township staff their township, county staff the county."""
    authz.require(user, Perm.VIEW, township_code or None)
    qs = LedgerEntry.objects.filter(county_code=county_code, month=month).filter(
        authz.scope_q(user, "area_code")
    )
    if township_code:
        qs = qs.filter(township_code=township_code)
    return qs


def unpayable(county_code: str, month: date) -> QuerySet[Enrolment]:
    """Enrolments in force that month that cannot be paid: no bank account registered yet."""
    return Enrolment.objects.filter(
        in_force_q(month), county_code=county_code, account_cipher=""
    ).select_related("household")


def adjustments_for(township_code: str, month: date) -> QuerySet[EnrolmentChange]:
    """Changes of the township taking effect in `month` (reported by the report day of the month before)."""
    return (
        EnrolmentChange.objects.filter(enrolment__township_code=township_code, effective_month=month)
        .exclude(kind__in=[ChangeKind.KEEP, ChangeKind.BANK])
        .select_related("enrolment__household")
        .order_by("enrolment__area_code", "id")
    )
