"""Reads of the registry, scoped to the user (convention 5)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum

from jiuzhu.core.errors import NotFound
from jiuzhu.core.jurisdiction_codes import is_valid_code
from jiuzhu.core.jurisdiction_codes import prefix as code_prefix
from jiuzhu.orgs import authz
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.models import DiscoveryReport, Household, IncomeItem, Member, NearRelative
from jiuzhu.registry.services import id_indexes_of


def households_visible_to(user) -> QuerySet[Household]:
    authz.require(user, Perm.VIEW)
    return Household.objects.filter(authz.scope_q(user, "area_code"))


def get_household(user, pk) -> Household:
    try:
        return households_visible_to(user).get(pk=pk)
    except (Household.DoesNotExist, ValueError):
        raise NotFound() from None


def members_visible_to(user) -> QuerySet[Member]:
    authz.require(user, Perm.VIEW)
    return Member.objects.filter(authz.scope_q(user, "area_code"))


def get_member(user, pk) -> Member:
    try:
        return members_visible_to(user).select_related("household").get(pk=pk)
    except (Member.DoesNotExist, ValueError):
        raise NotFound() from None


def search_households(
    user, *, q: str = "", id_number: str = "", area: str = "", urban_rural: str = "", active: bool = True
) -> QuerySet[Household]:
    """Search by name (any member), exact ID number (through the blind index), village or township."""
    qs = households_visible_to(user).filter(is_active=active)
    if q:
        qs = qs.filter(
            Q(head_name__contains=q) | Q(members__name__contains=q) | Q(address__contains=q)
        ).distinct()
    if id_number:
        qs = qs.filter(members__id_index__in=id_indexes_of(id_number)).distinct()
    if area:
        qs = qs.filter(area_code__startswith=code_prefix(area) if is_valid_code(area) else area)
    if urban_rural:
        qs = qs.filter(urban_rural=urban_rural)
    return qs.annotate(member_count=Count("members", filter=Q(members__is_active=True), distinct=True))


def income_summary(household: Household) -> dict:
    """Monthly income counted for benefits (excluded items listed apart) and per covered member."""
    items = IncomeItem.objects.filter(household=household)
    counted = items.filter(excluded=False).aggregate(total=Sum("monthly_amount"))["total"] or 0
    excluded = items.filter(excluded=True).aggregate(total=Sum("monthly_amount"))["total"] or 0
    covered = household.members.filter(is_active=True, covered=True).count()
    from decimal import ROUND_HALF_UP, Decimal

    per_head = (Decimal(counted) / covered).quantize(Decimal("0.01"), ROUND_HALF_UP) if covered else None
    return {"counted": counted, "excluded": excluded, "covered": covered, "per_head": per_head}


def relatives_visible_to(user) -> QuerySet[NearRelative]:
    authz.require(user, Perm.VIEW)
    return NearRelative.objects.filter(authz.scope_q(user, "area_code"))


def filter_relatives(
    qs: QuerySet[NearRelative],
    *,
    q: str = "",
    official: str = "",
    area: str = "",
    role: str = "",
    status: str = "active",
) -> QuerySet[NearRelative]:
    """The register's filters, shared by the page and the API. `status`: active, inactive or all."""
    if q:
        qs = qs.filter(Q(official_name__contains=q) | Q(relative_name__contains=q))
    if official:
        qs = qs.filter(Q(official_name__contains=official) | Q(official_unit__contains=official))
    if area:
        qs = qs.filter(area_code__startswith=code_prefix(area) if is_valid_code(area) else area)
    if role:
        qs = qs.filter(official_role=role)
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    return qs


def get_relative(user, pk) -> NearRelative:
    try:
        return relatives_visible_to(user).get(pk=pk)
    except (NearRelative.DoesNotExist, ValueError):
        raise NotFound() from None


def discoveries_visible_to(user) -> QuerySet[DiscoveryReport]:
    authz.require(user, Perm.VIEW)
    return DiscoveryReport.objects.filter(authz.scope_q(user, "area_code")).select_related(
        "household", "reported_by"
    )


def get_discovery(user, pk) -> DiscoveryReport:
    try:
        return discoveries_visible_to(user).get(pk=pk)
    except (DiscoveryReport.DoesNotExist, ValueError):
        raise NotFound() from None


def get_import_job(user, pk: int):
    """A household import job: its creator's, or anyone's for those who audit (within scope)."""
    from jiuzhu.core.models import Job
    from jiuzhu.registry.tasks import IMPORT_KIND

    job = Job.objects.filter(pk=pk, kind=IMPORT_KIND).filter(authz.scope_q(user, "area_code")).first()
    if job is None or (job.created_by_id != user.pk and not authz.can(user, Perm.AUDIT_VIEW)):
        raise NotFound()
    return job
