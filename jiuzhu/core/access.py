"""Permission checks for the kernel's own actions, answered by orgs.

Why this exists: core owns actions that need a permission (setting a policy parameter, loading the holiday
calendar, restarting a job) and builds the menu, but the permission table, memberships and jurisdictions live
in orgs, a layer above. orgs installs its answers here when the app is ready (`OrgsConfig.ready`); core asks
through these functions and never imports orgs. The permission codes core names are orgs' `Perm` values
(tests/orgs/test_access_port.py checks that they exist).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# The permissions core's actions are checked against (codes of orgs.roles.Perm).
VIEW = "view"
PARAMS_EDIT = "params_edit"
CALENDAR_MANAGE = "calendar_manage"
CORE_PERMS = (VIEW, PARAMS_EDIT, CALENDAR_MANAGE)


@dataclass(frozen=True)
class Authority:
    """The answers orgs gives (see `jiuzhu.orgs.authz` for what each one means)."""

    require: Callable[..., Any]  # (user, perm, area_code=None) -> the authorising membership or None
    can: Callable[..., bool]  # (user, perm, area_code=None)
    is_global: Callable[[Any], bool]
    in_scope: Callable[[Any, str], bool]
    roles: Callable[[Any], set[str]]
    memberships: Callable[[Any], list[Any]]
    area_exists: Callable[[str], bool]


_installed: list[Authority] = []


def install(authority: Authority) -> None:
    _installed[:] = [authority]


def _authority() -> Authority:
    if not _installed:
        raise RuntimeError("no authority installed (OrgsConfig.ready installs orgs' permission checks)")
    return _installed[0]


def require(user: Any, perm: str, area_code: str | None = None) -> Any:
    """NotFound outside the user's scope, Forbidden inside it without `perm`; else the membership that
    authorised the action (None for a platform superuser), for the audit event."""
    return _authority().require(user, perm, area_code)


def can(user: Any, perm: str, area_code: str | None = None) -> bool:
    return _authority().can(user, perm, area_code)


def is_global(user: Any) -> bool:
    return _authority().is_global(user)


def in_scope(user: Any, area_code: str) -> bool:
    return _authority().in_scope(user, area_code)


def roles(user: Any) -> set[str]:
    return _authority().roles(user)


def memberships(user: Any) -> list[Any]:
    return _authority().memberships(user)


def area_exists(code: str) -> bool:
    return _authority().area_exists(code)
