"""Reading enrolments: one scoping function for every page and endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from jiuzhu.benefits.models import DishonestyRecord, Enrolment, EnrolmentStatus
from jiuzhu.core import clock
from jiuzhu.core.dates import month_start
from jiuzhu.core.errors import NotFound
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm

LIVE = (EnrolmentStatus.ACTIVE, EnrolmentStatus.GRADUAL_EXIT, EnrolmentStatus.SUSPENDED)


def live_q(on: date | None = None) -> Q:
    """Still on the rolls on `on` (today): not terminated, and not past the last month a stop or the end of
    渐退 left it (DM1, N2). A stop keeps the status and sets `end_month`; nothing runs when that month is over,
    so the month decides, not the status alone."""
    month = month_start(on or clock.today())
    return Q(status__in=LIVE) & (Q(end_month__isnull=True) | Q(end_month__gte=month))


def ended_q(on: date | None = None) -> Q:
    """Off the rolls on `on`: terminated, or past the last month paid after a stop or 渐退."""
    return ~live_q(on)


def in_force_q(month: date) -> Q:
    """Enrolments paid for `month` (the ORM twin of the payroll's WHERE clause, `payments/payroll.py`)."""
    return (
        Q(start_month__lte=month)
        & (Q(end_month__isnull=True) | Q(end_month__gte=month))
        & (Q(suspended_from__isnull=True) | Q(suspended_from__gt=month))
    )


def on_rolls_q(month: date) -> Q:
    """On the rolls in `month`: not ended before it and not suspended by it; payment may start later (the
    public list shows approved households from their approval, S12)."""
    return (Q(end_month__isnull=True) | Q(end_month__gte=month)) & (
        Q(suspended_from__isnull=True) | Q(suspended_from__gt=month)
    )


def enrolments_visible_to(user: User) -> QuerySet[Enrolment]:
    authz.require(user, Perm.VIEW)
    return Enrolment.objects.filter(authz.scope_q(user, "area_code"))


def get_enrolment(user: User, pk: int | str) -> Enrolment:
    try:
        return enrolments_visible_to(user).select_related("household", "case").get(pk=pk)
    except (Enrolment.DoesNotExist, ValueError):
        raise NotFound() from None


@dataclass
class EnrolmentFilter:
    township: str = ""
    assistance_type: str = ""
    status: str = ""
    q: str = ""
    account: str = ""  # "missing": no bank account yet, cannot be paid
    review: str = ""  # "due": review due within the look-ahead window; "overdue"


def search_enrolments(user: User, f: EnrolmentFilter, *, review_window_days: int = 30) -> QuerySet[Enrolment]:
    qs = enrolments_visible_to(user).select_related("household")
    if f.township:
        qs = qs.filter(township_code=f.township)
    if f.assistance_type:
        qs = qs.filter(assistance_type=f.assistance_type)
    if f.status == "live":
        qs = qs.filter(live_q())
    elif f.status == EnrolmentStatus.TERMINATED:
        qs = qs.filter(ended_q())
    elif f.status:
        qs = qs.filter(live_q(), status=f.status)
    if f.q:
        qs = qs.filter(Q(household__head_name__contains=f.q) | Q(case__number=f.q))
    if f.account == "missing":
        qs = qs.filter(live_q(), account_cipher="")
    today = clock.today()
    if f.review == "due":
        qs = qs.filter(live_q(today), next_review_on__lte=today + timedelta(days=review_window_days))
    elif f.review == "overdue":
        qs = qs.filter(live_q(today), next_review_on__lt=today)
    return qs


def reviews_due(user: User, *, within_days: int = 30, on: date | None = None) -> QuerySet[Enrolment]:
    """DM1: live enrolments whose periodic review falls due within `within_days` (overdue first)."""
    on = on or clock.today()
    return (
        enrolments_visible_to(user)
        .filter(live_q(on), next_review_on__lte=on + timedelta(days=within_days))
        .select_related("household")
        .order_by("next_review_on", "id")
    )


def dishonesty_visible_to(user: User) -> QuerySet[DishonestyRecord]:
    authz.require(user, Perm.VIEW)
    return DishonestyRecord.objects.filter(authz.scope_q(user, "area_code")).select_related("household", "by")


def current_enrolment(household_id: int, *, exclude_case_id: int | None = None) -> Enrolment | None:
    """The household's live enrolment, if any (intake check: already receiving)."""
    qs = Enrolment.objects.filter(live_q(), household_id=household_id)
    if exclude_case_id:
        qs = qs.exclude(case_id=exclude_case_id)
    return qs.first()
