"""Who takes the next step of a case: the role that holds the step's permission, the organisation where that
role sits for this case, and the people holding it there (the case page says so when it is not the viewer)."""

from __future__ import annotations

from dataclasses import dataclass

from jiuzhu.cases.models import Case
from jiuzhu.orgs.models import Membership, Organisation
from jiuzhu.orgs.roles import ROLE_ORG_KINDS, ROLE_PERMS, OrgKind, Role


@dataclass(frozen=True)
class Actor:
    role: str  # the role's label, e.g. 乡镇（街道）审批负责人
    places: list[tuple[str, str, list[str]]]  # (organisation, phone, names of the people there)


def role_for(perm: str) -> Role | None:
    """The most specialised role holding `perm`: the case worker processes, the approver decides, the
    verification officer verifies (a bureau officer may also process, but is not whom a case waits for)."""
    holders = [Role(r) for r, perms in ROLE_PERMS.items() if perm in perms]
    return min(holders, key=lambda r: len(ROLE_PERMS[r])) if holders else None


def _organisations(case: Case, role: Role) -> list[Organisation]:
    kinds = ROLE_ORG_KINDS.get(role, frozenset())
    places = [
        (OrgKind.TOWNSHIP, case.township_code),
        (OrgKind.VILLAGE, case.household.area_code),
        (OrgKind.BUREAU, case.county_code),
    ]
    out = []
    for kind, code in places:
        if kind in kinds:
            out += list(Organisation.objects.filter(jurisdiction_id=code, kind=kind).order_by("id")[:1])
    return out


def actor_for(case: Case, perm: str, *, names: int = 3) -> Actor | None:
    role = role_for(perm)
    if role is None:
        return None
    places = []
    for org in _organisations(case, role):
        people = (
            Membership.objects.filter(organisation=org, role=role, is_active=True, user__is_active=True)
            .select_related("user")
            .order_by("user__full_name")[:names]
        )
        places.append((org.name, org.phone, [m.user.full_name or m.user.username for m in people]))
    staffed = [p for p in places if p[2]]
    return Actor(role.label, staffed or places)
