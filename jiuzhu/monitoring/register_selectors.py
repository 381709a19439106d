"""Reading the low-income population register: one scoping function for the page, the export and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from jiuzhu.benefits.models import Enrolment
from jiuzhu.benefits.selectors import ended_q
from jiuzhu.core import clock
from jiuzhu.core.errors import NotFound
from jiuzhu.monitoring.models import RegisterCategory, RegisterEntry
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.models import Member


def live_q() -> Q:
    """What may have changed since the row was written without telling the register: the person left the
    household (death, moving out), the 低收入 recognition lapsed, the enrolment's last month after a stop or 渐退
    has passed. (A terminated enrolment is told: the rows go.)
    A correlated subquery rather than a join, so that the list is read in the order of its index and stops at
    the page's last row."""
    present = Member.objects.filter(pk=OuterRef("member_id"), is_active=True)
    ended = Enrolment.objects.filter(ended_q(), pk=OuterRef("enrolment_id"))
    return (
        Exists(present) & ~Exists(ended) & (Q(valid_until__isnull=True) | Q(valid_until__gte=clock.today()))
    )


def register_visible_to(user: User) -> QuerySet[RegisterEntry]:
    authz.require(user, Perm.VIEW)
    return RegisterEntry.objects.filter(authz.scope_q(user, "area_code")).filter(live_q())


@dataclass
class RegisterFilter:
    category: str = ""
    township: str = ""
    village: str = ""
    origin: str = ""


def search_register(user: User, f: RegisterFilter) -> QuerySet[RegisterEntry]:
    """In the register's order (township, village, row), which the list index serves without a sort."""
    qs = register_visible_to(user)
    if f.category in RegisterCategory.values:
        qs = qs.filter(category=f.category)
    if f.township:
        qs = qs.filter(township_code=f.township)
    if f.village:
        qs = qs.filter(area_code=f.village)
    if f.origin:
        qs = qs.filter(origin=f.origin)
    # The page's members come in one more query (prefetch), not through a join the planner could start from.
    return qs.prefetch_related("member").order_by("township_code", "area_code", "id")


def get_entry(user: User, pk: int | str) -> RegisterEntry:
    try:
        return register_visible_to(user).select_related("member", "household", "case", "enrolment").get(pk=pk)
    except (RegisterEntry.DoesNotExist, ValueError):
        raise NotFound() from None
