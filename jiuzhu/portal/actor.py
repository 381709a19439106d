"""The citizen path (docs/decisions.md D-101).

Citizens have no account. What the portal writes on their behalf runs the ordinary services with a
*portal actor*: a fresh instance of the inactive system account "系统/群众" carrying a `CitizenGrant` — the few
permissions one portal service needs, on one area only. The account has no membership, cannot log in, holds
no token and sees nothing through the staff selectors; `authz.require` honours the grant and nothing else
does. Only `jiuzhu/portal/services.py` creates portal actors, each for a single call, after its own checks.
"""

from __future__ import annotations

from jiuzhu.orgs.authz import CITIZEN_GRANT_ATTR, CitizenGrant
from jiuzhu.orgs.models import User

PORTAL_USERNAME = "_portal"
PORTAL_NAME = "系统/群众"


def portal_account() -> User:
    user, created = User.objects.get_or_create(
        username=PORTAL_USERNAME, defaults={"full_name": PORTAL_NAME, "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def portal_actor(*, perms: set[str], area_code: str, purpose: str) -> User:
    """A portal actor allowed `perms` on `area_code` (and below) for one call."""
    if not area_code:
        raise ValueError("a portal actor needs an area")
    user = User.objects.get(pk=portal_account().pk)  # a fresh instance: the grant never outlives the call
    setattr(user, CITIZEN_GRANT_ATTR, CitizenGrant(frozenset(perms), area_code, purpose))
    return user


def is_portal_account(user) -> bool:
    return getattr(user, "username", None) == PORTAL_USERNAME
