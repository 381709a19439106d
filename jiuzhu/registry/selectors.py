"""Reads of the registry, scoped to the user (convention 5): one function per entity and sub-entity, shared
by the pages and the API. Outside the user's scope an object does not exist (404)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from jiuzhu.core.errors import NotFound
from jiuzhu.core.jurisdiction_codes import is_valid_code
from jiuzhu.core.jurisdiction_codes import prefix as code_prefix
from jiuzhu.core.models import Job
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.identity import id_indexes_of
from jiuzhu.registry.models import (
    Asset,
    DiscoveryReport,
    Household,
    IncomeItem,
    Member,
    NearRelative,
    RigidExpense,
)

# The job kind of a household import (`imports.job` queues it).
IMPORT_KIND = "household_import"


def villages_for(user: User, perm: str = Perm.HOUSEHOLD_EDIT) -> list[Jurisdiction]:
    """Villages and communities where the user may act (the choice lists of forms)."""
    qs = Jurisdiction.objects.filter(authz.scope_q(user, "code"), level=Level.VILLAGE).select_related(
        "parent"
    )
    return [v for v in qs.order_by("code") if authz.can(user, perm, v.code)]


def areas_for(user: User) -> QuerySet[Jurisdiction]:
    """Townships and villages the user sees, for list filters."""
    return Jurisdiction.objects.filter(authz.scope_q(user, "code"), level__gte=Level.TOWNSHIP).order_by(
        "code"
    )


def households_visible_to(user: User) -> QuerySet[Household]:
    authz.require(user, Perm.VIEW)
    return Household.objects.filter(authz.scope_q(user, "area_code"))


def get_household(user: User, pk: int | str) -> Household:
    try:
        return households_visible_to(user).get(pk=pk)
    except (Household.DoesNotExist, ValueError):
        raise NotFound() from None


# A name many households share (a common surname, "户主12" in the benchmark's county) matches thousands; the
# list shows the newest of them. The page is read off the matched ids (newest first, limited) rather than off
# the households' primary key, which PostgreSQL otherwise walks backwards over the whole scope looking for
# the matches (268 ms at 10^6 households with 11 111 matches; see bench/search_plan.py).
NAME_MATCH_LIMIT = 1000


def search_households(
    user: User,
    *,
    q: str = "",
    id_number: str = "",
    area: str = "",
    urban_rural: str = "",
    active: bool = True,
    match_limit: int | None = NAME_MATCH_LIMIT,
) -> QuerySet[Household]:
    """Search by name (any member), exact ID number (through the blind index), village or township.

    Members are matched in a subquery, not a join, so the list needs no DISTINCT and its count no GROUP BY;
    on PostgreSQL trigram indexes serve the name and address `contains` (migration 0005). A name search
    lists at most `match_limit` households, the newest (None: all, for exports)."""
    authz.require(user, Perm.VIEW)
    qs = Household.objects.filter(_household_q(user, active=active, area=area, urban_rural=urban_rural))
    if q:
        found = qs.order_by()
        # Members are scoped on their own copy of the area: joining each matched member to its household
        # cost more than the rest of the search (175 ms for 11 111 namesakes at 3·10^5 households). A member
        # of an inactive household may therefore take a place under the limit; the list below drops it.
        members = Member.objects.filter(authz.scope_q(user, "area_code"), name__contains=q).order_by()
        if area:
            members = members.filter(area_code__startswith=code_prefix(area) if is_valid_code(area) else area)
        if urban_rural:
            members = members.filter(household__urban_rural=urban_rural)
        # One id list from two scans (UNION), not an OR with a subquery: PostgreSQL cannot combine
        # `… OR id IN (subquery)` from indexes and read every household of the scope instead (the OR of two
        # columns of one table it combines from their trigram indexes; SQLite scans the table once for both).
        # Each branch carries the scope and the filters, so the limit keeps the newest matches the list shows.
        matched = (
            found.filter(Q(head_name__contains=q) | Q(address__contains=q))
            .values("pk")
            .union(members.values("household_id"))
        )
        if match_limit is None:
            qs = qs.filter(pk__in=matched)
        else:
            # The newest matches are read once into a list: the page's count and its rows then look up at
            # most `match_limit` keys instead of scanning the names twice (SQLite has no index for `contains`).
            qs = qs.filter(pk__in=list(matched.order_by("-pk").values_list("pk", flat=True)[:match_limit]))
    if id_number:
        qs = qs.filter(
            pk__in=Member.objects.filter(id_index__in=id_indexes_of(id_number)).values("household_id")
        )
    # A subquery, not Count over the join: a name search joins the members it matched, and a count over
    # that join gave 1 for a household of three.
    living = (
        Member.objects.filter(household=OuterRef("pk"), is_active=True)
        .order_by()
        .values("household")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(member_count=Coalesce(Subquery(living), 0))


def _household_q(user: User, *, active: bool, area: str, urban_rural: str) -> Q:
    """The household list's scope and filters."""
    q = authz.scope_q(user, "area_code") & Q(is_active=active)
    if area:
        q &= Q(area_code__startswith=code_prefix(area) if is_valid_code(area) else area)
    if urban_rural:
        q &= Q(urban_rural=urban_rural)
    return q


# --- members --------------------------------------------------------------------------------------------


def members_visible_to(user: User) -> QuerySet[Member]:
    authz.require(user, Perm.VIEW)
    return Member.objects.filter(authz.scope_q(user, "area_code"))


def get_member(user: User, pk: int | str) -> Member:
    try:
        return members_visible_to(user).select_related("household").get(pk=pk)
    except (Member.DoesNotExist, ValueError):
        raise NotFound() from None


def members_of(household: Household) -> QuerySet[Member]:
    """Every member of a household that is already in hand, those who left last (the household page and
    its API)."""
    return household.members.order_by("-is_active", "relation", "id")


def active_members(household: Household) -> QuerySet[Member]:
    """The members living in the household now: whom a form may choose."""
    return household.members.filter(is_active=True)


def active_member(household: Household, pk: int | str) -> Member | None:
    """The household's member `pk` if they live in it now, else None (a choice from another household or
    one who left)."""
    try:
        return active_members(household).filter(pk=pk).first()
    except (ValueError, TypeError):
        return None


# --- income and assets ----------------------------------------------------------------------------------


def incomes_of(household: Household) -> QuerySet[IncomeItem]:
    return household.incomes.select_related("member")


def get_income_item(user: User, pk: int | str) -> IncomeItem:
    try:
        return IncomeItem.objects.select_related("household").get(
            pk=pk, household__in=households_visible_to(user)
        )
    except (IncomeItem.DoesNotExist, ValueError):
        raise NotFound() from None


def assets_of(household: Household) -> QuerySet[Asset]:
    return household.assets.all()


def get_asset(user: User, pk: int | str) -> Asset:
    try:
        return Asset.objects.select_related("household").get(pk=pk, household__in=households_visible_to(user))
    except (Asset.DoesNotExist, ValueError):
        raise NotFound() from None


def expenses_of(household: Household) -> QuerySet[RigidExpense]:
    return household.expenses.select_related("member")


def get_expense(user: User, pk: int | str) -> RigidExpense:
    try:
        return RigidExpense.objects.select_related("household").get(
            pk=pk, household__in=households_visible_to(user)
        )
    except (RigidExpense.DoesNotExist, ValueError):
        raise NotFound() from None


def income_summary(household: Household) -> dict[str, Any]:
    """Monthly income counted for benefits (excluded items listed apart) and per covered member."""
    items = IncomeItem.objects.filter(household=household)
    counted = items.filter(excluded=False).aggregate(total=Sum("monthly_amount"))["total"] or 0
    excluded = items.filter(excluded=True).aggregate(total=Sum("monthly_amount"))["total"] or 0
    covered = household.members.filter(is_active=True, covered=True).count()
    per_head = (Decimal(counted) / covered).quantize(Decimal("0.01"), ROUND_HALF_UP) if covered else None
    return {"counted": counted, "excluded": excluded, "covered": covered, "per_head": per_head}


# --- the near-relative register (DM2) -------------------------------------------------------------------


def relatives_visible_to(user: User) -> QuerySet[NearRelative]:
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


def get_relative(user: User, pk: int | str) -> NearRelative:
    try:
        return relatives_visible_to(user).get(pk=pk)
    except (NearRelative.DoesNotExist, ValueError):
        raise NotFound() from None


# --- discovery reports (A2) and the household import ----------------------------------------------------


def discoveries_visible_to(user: User) -> QuerySet[DiscoveryReport]:
    authz.require(user, Perm.VIEW)
    return DiscoveryReport.objects.filter(authz.scope_q(user, "area_code")).select_related(
        "household", "reported_by"
    )


def get_discovery(user: User, pk: int | str) -> DiscoveryReport:
    try:
        return discoveries_visible_to(user).get(pk=pk)
    except (DiscoveryReport.DoesNotExist, ValueError):
        raise NotFound() from None


def get_import_job(user: User, pk: int | str) -> Job:
    """A household import job: its creator's, or anyone's for those who audit (within scope)."""
    job = Job.objects.filter(pk=pk, kind=IMPORT_KIND).filter(authz.scope_q(user, "area_code")).first()
    if job is None or (job.created_by_id != user.pk and not authz.can(user, Perm.AUDIT_VIEW)):
        raise NotFound()
    return job


# --- one person, one household (A1) ---------------------------------------------------------------------


def duplicate_memberships(area: str = "") -> dict[str, list[Member]]:
    """People active in more than one household (data from before the one-household rule), by blind index,
    each with every active membership, earliest first. Not scoped: for the operator's command line."""
    active = Member.objects.filter(is_active=True)
    if area:
        active = active.filter(area_code__startswith=code_prefix(area) if is_valid_code(area) else area)
    dup = (
        Member.objects.filter(is_active=True)
        .values("id_index")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values("id_index")
    )
    groups: dict[str, list[Member]] = {}
    for m in active.filter(id_index__in=dup).select_related("household").order_by("id_index", "id"):
        groups.setdefault(m.id_index, []).append(m)
    return {k: v for k, v in groups.items() if len(v) > 1 or area}
