"""Reads of organisations, staff and delegation, each scoped to the user (convention 5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from jiuzhu.core.errors import NotFound
from jiuzhu.core.types import Category
from jiuzhu.orgs import authz
from jiuzhu.orgs.delegation import grant_state_on
from jiuzhu.orgs.models import DelegationGrant, Jurisdiction, Level, Membership, Organisation, User
from jiuzhu.orgs.roles import OrgKind, Perm


def jurisdictions_visible_to(user) -> QuerySet[Jurisdiction]:
    authz.require(user, Perm.VIEW)
    return Jurisdiction.objects.filter(authz.scope_q(user, "code"))


def jurisdiction_exists(code: str) -> bool:
    """Whether a jurisdiction with this code is registered (a fact, not scoped: for validating input)."""
    return Jurisdiction.objects.filter(code=code).exists()


def county_bureau(county_code: str) -> Organisation | None:
    """The civil-affairs bureau (民政局) of a county: the authority named on decisions, inspection reports and
    custody transfers (D1). Not scoped: which bureau serves a county is public; callers have already scoped the
    county, case or household they ask for."""
    return (
        Organisation.objects.filter(jurisdiction_id=county_code, kind=OrgKind.BUREAU).order_by("id").first()
    )


def get_jurisdiction(user, code: str) -> Jurisdiction:
    try:
        return jurisdictions_visible_to(user).get(code=code)
    except Jurisdiction.DoesNotExist:
        raise NotFound() from None


def townships_visible_to(user) -> QuerySet[Jurisdiction]:
    return jurisdictions_visible_to(user).filter(level=Level.TOWNSHIP)


def counties_visible_to(user) -> QuerySet[Jurisdiction]:
    """Counties the user works in: their own, or the one above their township or village."""
    prefixes = authz.scope_prefixes(user)
    if prefixes is None:
        return Jurisdiction.objects.filter(level=Level.COUNTY)
    return Jurisdiction.objects.filter(level=Level.COUNTY, code__in={p[:6].ljust(12, "0") for p in prefixes})


def home_area(user) -> str:
    """The jurisdiction a user's pages open on: their most senior membership's."""
    ms = authz.memberships(user)
    if not ms:
        return ""
    return min(ms, key=lambda m: m.organisation.jurisdiction.level).organisation.jurisdiction_id


def _require_staff_reader(user) -> None:
    """Staff lists are read by those who see the jurisdiction (VIEW) and by the security administrator, who
    grants roles without seeing business data (三员分立)."""
    if not authz.can(user, Perm.ROLE_MANAGE):
        authz.require(user, Perm.VIEW)


def organisations_visible_to(user) -> QuerySet[Organisation]:
    _require_staff_reader(user)
    return Organisation.objects.filter(authz.scope_q(user, "jurisdiction__code")).select_related(
        "jurisdiction"
    )


def staff_visible_to(user) -> QuerySet[Membership]:
    _require_staff_reader(user)
    return (
        Membership.objects.filter(authz.scope_q(user, "organisation__jurisdiction__code"))
        .select_related("user", "organisation__jurisdiction")
        .order_by("organisation__jurisdiction_id", "organisation__kind", "role", "user__username")
    )


def accounts_visible_to(user) -> QuerySet[User]:
    """Accounts holding (or having held) a role in the user's jurisdiction."""
    _require_staff_reader(user)
    in_scope = Membership.objects.filter(authz.scope_q(user, "organisation__jurisdiction__code"))
    return User.objects.filter(pk__in=in_scope.values("user_id")).order_by("username")


def get_account(user, pk) -> User:
    try:
        return accounts_visible_to(user).get(pk=pk)
    except (User.DoesNotExist, ValueError):
        raise NotFound() from None


def get_membership(user, pk) -> Membership:
    try:
        return staff_visible_to(user).get(pk=pk)
    except (Membership.DoesNotExist, ValueError):
        raise NotFound() from None


def grants_visible_to(user) -> QuerySet[DelegationGrant]:
    authz.require(user, Perm.VIEW)
    return (
        DelegationGrant.objects.filter(authz.scope_q(user, "township__code"))
        .select_related("township", "created_by", "revoked_by")
        .prefetch_related("suspensions")
    )


def get_grant(user, pk: int) -> DelegationGrant:
    try:
        return grants_visible_to(user).get(pk=pk)
    except DelegationGrant.DoesNotExist:
        raise NotFound() from None


STATE_LABELS = {
    "active": "已委托",
    "not_started": "未生效",
    "expired": "已到期",
    "revoked": "已撤销",
    "suspended": "暂停中",
}


@dataclass(frozen=True)
class RolloutCell:
    grant: DelegationGrant | None
    state: str  # see STATE_LABELS, or "none"
    category: str = ""

    @property
    def label(self) -> str:
        return STATE_LABELS.get(self.state, "未委托")


@dataclass(frozen=True)
class RolloutRow:
    township: Jurisdiction
    cells: list[RolloutCell]


def rollout_table(user, *, county: Jurisdiction, on: date) -> list[RolloutRow]:
    """Townships × categories: whether authority is delegated on `on`, and since when (D2)."""
    townships = list(townships_visible_to(user).filter(parent=county).order_by("code"))
    grants = list(grants_visible_to(user).filter(township__in=townships).order_by("-valid_from"))
    rows = []
    for township in townships:
        cells = []
        for category in Category.values:
            mine = [g for g in grants if g.township_id == township.code and g.category == category]
            cell = RolloutCell(None, "none", category)
            for grant in mine:
                state = grant_state_on(grant, on, list(grant.suspensions.all()))
                if state in ("active", "suspended"):
                    cell = RolloutCell(grant, state, category)
                    break
                if cell.grant is None:
                    cell = RolloutCell(grant, state, category)
            cells.append(cell)
        rows.append(RolloutRow(township, cells))
    return rows
