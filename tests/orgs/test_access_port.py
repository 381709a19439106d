"""Core asks orgs for permissions through `core.access` (core imports no app above it): the codes it names are
orgs' permissions, and the installed answers are orgs' own."""

from __future__ import annotations

import pytest

from jiuzhu.core import access
from jiuzhu.core.errors import Forbidden
from jiuzhu.orgs import authz
from jiuzhu.orgs.roles import Perm
from tests.helpers import user

pytestmark = pytest.mark.django_db


def test_core_names_only_permissions_orgs_defines():
    assert set(access.CORE_PERMS) <= set(Perm.values)


def test_the_installed_answers_are_orgs_own():
    for username in ("js_admin", "ab_caseworker"):
        u = user(username)
        assert access.can(u, access.CALENDAR_MANAGE) == authz.can(u, Perm.CALENDAR_MANAGE)
        assert access.roles(u) == authz.roles(u)
        assert access.memberships(u) == authz.memberships(u)
    with pytest.raises(Forbidden):
        access.require(user("ab_caseworker"), access.PARAMS_EDIT)
    assert access.area_exists("230502000000") and not access.area_exists("999999999999")
