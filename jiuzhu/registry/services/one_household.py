"""A1: one person (the blind index of the ID number) is an active member of one household at most. The
database enforces it (the partial unique index `member_one_active_household`); this module finds the clash
first, so that every way in (page, API, import, portal) refuses with a message that says where the person
already is — in as much detail as the user's scope allows, never more.

Moving a person from one household to another is its own action, 迁移 (`members.member_transfer`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError

from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, User
from jiuzhu.registry.identity import id_indexes_of
from jiuzhu.registry.models import Member

TRANSFER_HINT = "如确已迁入，请在原家庭的成员页面办理“迁移”；分立新户的，请先在原家庭登记离户（分户）"


def active_elsewhere(
    id_indexes: Iterable[str], *, exclude_household_id: int | None = None
) -> dict[str, Member]:
    """The active membership of each of these people outside the given household (the earliest one when
    data from before the rule holds several)."""
    qs = Member.objects.filter(id_index__in=list(id_indexes), is_active=True).select_related("household")
    if exclude_household_id is not None:
        qs = qs.exclude(household_id=exclude_household_id)
    found: dict[str, Member] = {}
    for m in qs.order_by("id"):
        found.setdefault(m.id_index, m)
    return found


def clash_message(by: User | None, other: Member, *, registering_in: str) -> str:
    """Where the person is already registered. Inside the user's scope: the household, its village and its
    address (never the number: the user just typed it); outside it only how far away (other village, township or county), so that a search by ID
    number cannot reveal a family the user may not see."""
    if by is not None and by.is_authenticated and authz.in_scope(by, other.area_code):
        village = Jurisdiction.objects.filter(code=other.area_code).select_related("parent").first()
        place = (
            f"{village.parent.name if village.parent else ''}{village.name}" if village else other.area_code
        )
        return (
            f"该身份证号已是{place}“{other.household}”（{other.household.address}）的在户成员，"
            f"一人只能在一个家庭登记。{TRANSFER_HINT}"
        )
    if other.area_code[:9] == registering_in[:9]:
        return "该身份证号已在本乡镇（街道）其他村（社区）登记为在户成员，请联系乡镇（街道）核实"
    if other.area_code[:6] == registering_in[:6]:
        return "该身份证号已在其他乡镇登记为在户成员，请联系民政局核实"
    return "该身份证号已在其他县（市、区）登记为在户成员，请联系民政局核实"


def clash_for_number(
    by: User | None, number: str, *, registering_in: str, exclude_household_id: int | None = None
) -> str | None:
    """The message for one ID number, or None when the person is free to join."""
    indexes = id_indexes_of(number)  # every key set: a rotation half done must not hide the person
    found = active_elsewhere(indexes, exclude_household_id=exclude_household_id)
    other = next((found[i] for i in indexes if i in found), None)
    return None if other is None else clash_message(by, other, registering_in=registering_in)


def is_clash(exc: IntegrityError) -> bool:
    """The database refused a second active membership (two requests that passed the check at once).
    PostgreSQL names the index; SQLite names the column of the partial index only."""
    text = str(exc)
    return "member_one_active_household" in text or text.rstrip().endswith("registry_member.id_index")


CLASH_RACE = "该身份证号刚被登记为其他家庭的在户成员，未保存；请刷新后核实"
