"""Reads of cases, scoped to the user (convention 5)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from jiuzhu.cases.models import Case, EmergencyAid
from jiuzhu.core import clock
from jiuzhu.core.errors import NotFound
from jiuzhu.core.jurisdiction_codes import is_valid_code
from jiuzhu.core.jurisdiction_codes import prefix as code_prefix
from jiuzhu.orgs import authz
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.services import id_indexes_of


def cases_visible_to(user) -> QuerySet[Case]:
    authz.require(user, Perm.VIEW)
    return Case.objects.filter(authz.scope_q(user, "area_code")).select_related("household", "applicant")


def get_case(user, pk) -> Case:
    try:
        return cases_visible_to(user).get(pk=pk)
    except (Case.DoesNotExist, ValueError):
        raise NotFound() from None


def get_case_by_number(user, number: str) -> Case:
    try:
        return cases_visible_to(user).get(number=number)
    except Case.DoesNotExist:
        raise NotFound() from None


def search_cases(
    user,
    *,
    number: str = "",
    q: str = "",
    id_number: str = "",
    area: str = "",
    assistance_type: str = "",
    status: str = "",
    channel: str = "",
    applied_from=None,
    applied_to=None,
) -> QuerySet[Case]:
    """Search by application number, name, exact ID number (blind index) and village (issue 3 item 6)."""
    qs = cases_visible_to(user)
    if number:
        qs = qs.filter(number__contains=number.strip())
    if q:
        qs = qs.filter(
            Q(household__head_name__contains=q) | Q(household__members__name__contains=q)
        ).distinct()
    if id_number:
        qs = qs.filter(household__members__id_index__in=id_indexes_of(id_number)).distinct()
    if area:
        qs = qs.filter(area_code__startswith=code_prefix(area) if is_valid_code(area) else area)
    if assistance_type:
        qs = qs.filter(assistance_type=assistance_type)
    if status:
        qs = qs.filter(status__in=status.split(","))
    if channel:
        qs = qs.filter(channel=channel)
    if applied_from:
        qs = qs.filter(applied_on__gte=applied_from)
    if applied_to:
        qs = qs.filter(applied_on__lte=applied_to)
    return qs


def emergency_aids_visible_to(user) -> QuerySet[EmergencyAid]:
    """P8 emergency aid records of the cases the user can read."""
    return EmergencyAid.objects.filter(case__in=cases_visible_to(user)).select_related("case")


def registration_overdue(aid: EmergencyAid, today=None) -> bool:
    """P8: the registration was due and is still missing, or it was made after the due date."""
    today = today or clock.today()
    return (aid.registered_on is None and aid.register_due_on < today) or aid.registration_late


def late_emergency_aids(user, *, kind: str = "", township: str = "") -> QuerySet[EmergencyAid]:
    """The P8 exceptions of the page 办理时限 (/cases/deadlines/): registration overdue (see
    `registration_overdue`) or aid paid later than the hour limit. `kind`: "registration", "aid" or both."""
    registration = Q(registered_on__isnull=True, register_due_on__lt=clock.today()) | Q(
        registration_late=True
    )
    aid = Q(late=True)
    wanted = {"registration": registration, "aid": aid}.get(kind, registration | aid)
    qs = emergency_aids_visible_to(user).filter(wanted)
    if township:
        qs = qs.filter(case__township_code=township)
    return qs.order_by("register_due_on", "id")
