"""Scoping and permission checks — the one place that answers "may this user see / do this here?"

Scope: every membership covers its organisation's jurisdiction and everything below it. An object is
in scope when its area code starts with one of the user's prefixes. Outside the scope is 404 (the object
"does not exist" for this user); inside the scope without the role's permission is 403 (convention 5).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from jiuzhu.core.errors import Forbidden, NotFound
from jiuzhu.orgs.models import Membership
from jiuzhu.orgs.roles import Perm, perms_of

__all__ = [
    "CitizenGrant",
    "Perm",
    "can",
    "in_scope",
    "membership_for",
    "memberships",
    "perms_of",
    "require",
    "scope_q",
]

_CACHE_ATTR = "_jiuzhu_memberships"


def memberships(user) -> list[Membership]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True)
            .select_related("organisation__jurisdiction")
            .order_by("id")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_global(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def scope_prefixes(user) -> list[str] | None:
    """None means everything (platform superuser); [] means nothing."""
    if is_global(user):
        return None
    return sorted({m.organisation.jurisdiction.prefix for m in memberships(user)})


def scope_q(user, field: str = "area_code") -> Q:
    prefixes = scope_prefixes(user)
    if prefixes is None:
        return Q()
    if not prefixes:
        return Q(pk__in=[])
    q = Q()
    for p in prefixes:
        q |= Q(**{f"{field}__startswith": p})
    return q


def in_scope(user, area_code: str) -> bool:
    prefixes = scope_prefixes(user)
    if prefixes is None:
        return True
    return any(area_code.startswith(p) for p in prefixes)


def membership_for(user, perm: str, area_code: str | None = None) -> Membership | None:
    """The membership that grants `perm` over `area_code` (any area when None), most local first."""
    candidates = [
        m
        for m in memberships(user)
        if perm in perms_of(m.role)
        and (area_code is None or area_code.startswith(m.organisation.jurisdiction.prefix))
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda m: m.organisation.jurisdiction.level)


def can(user, perm: str, area_code: str | None = None) -> bool:
    if is_global(user):
        return True
    return membership_for(user, perm, area_code) is not None


@dataclass(frozen=True)
class CitizenGrant:
    """What the citizen portal may do through one service call (docs/decisions.md D-101): the named
    permissions, on one area only. Attached by `jiuzhu.portal.actor.portal_actor` to a fresh instance of the
    inactive system account "系统/群众", which has no membership, cannot log in and sees nothing through
    the staff selectors; only `require()` honours the grant."""

    perms: frozenset[str]
    area_code: str
    purpose: str


CITIZEN_GRANT_ATTR = "_jiuzhu_citizen_grant"


def _require_citizen(grant: CitizenGrant, perm: str, area_code: str | None) -> None:
    if area_code is None:
        raise Forbidden("群众服务只能办理本人家庭所在地的事项")
    if not area_code.startswith(grant.area_code):
        raise NotFound()
    if perm not in grant.perms:
        raise Forbidden(f"群众服务不能“{Perm(perm).label}”")


def require(user, perm: str, area_code: str | None = None) -> Membership | None:
    """Raise NotFound outside the user's scope, Forbidden inside it without `perm`.

    Returns the membership that authorised the action (its role and organisation go into the audit
    event); None for a platform superuser and for the portal's citizen actor (see `CitizenGrant`).
    """
    grant = getattr(user, CITIZEN_GRANT_ATTR, None)
    if grant is not None:
        _require_citizen(grant, perm, area_code)
        return None
    if not getattr(user, "is_authenticated", False):
        raise Forbidden("请先登录")
    if is_global(user):
        return None
    if area_code is not None and not in_scope(user, area_code):
        raise NotFound()
    membership = membership_for(user, perm, area_code)
    if membership is None:
        raise Forbidden(f"您的岗位无权“{Perm(perm).label}”")
    return membership


def roles(user) -> set[str]:
    return {m.role for m in memberships(user)}


def primary_membership(user) -> Membership | None:
    ms = memberships(user)
    return ms[0] if ms else None
