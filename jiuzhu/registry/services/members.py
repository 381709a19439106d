"""The members of a registered household: adding one, correcting one, one leaving (moved, deceased …: the
row stays, inactive), and revealing a full ID number to a role that may see it (an audit event each time).
Every change locks the household and bumps its version."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from django.db import transaction

from jiuzhu.core import audit, clock, crypto
from jiuzhu.core.dates import ensure_not_future
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.masking import mask_id_number
from jiuzhu.core.problems import Problems
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.identity import ID_PURPOSE, id_indexes_of
from jiuzhu.registry.models import Household, LeftReason, Member, Relation
from jiuzhu.registry.services.households import bump, lock, refresh_head
from jiuzhu.registry.services.member_input import MemberInput, check_member, member_values, public


@transaction.atomic
def member_add(
    *, by: User, household: Household, data: MemberInput, expected_version: int | None = None
) -> Member:
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, household.area_code)
    household = lock(household)
    problems = Problems()
    info = check_member(data, problems)
    if info is not None and household.members.filter(id_index__in=id_indexes_of(info.number)).exists():
        problems.add(
            "id_number", "本户已有相同身份证号的成员", f"身份证号 {mask_id_number(info.number)} 在本户重复"
        )
    if (
        data.relation == Relation.HEAD
        and household.members.filter(relation=Relation.HEAD, is_active=True).exists()
    ):
        problems.add("relation", "本户已有户主，请先修改原户主的关系")
    problems.raise_if_any("成员信息有误，未保存")
    assert info is not None  # raise_if_any refused an unreadable number
    bump(household, expected_version)
    now = clock.now()
    member = Member.objects.create(
        household=household,
        area_code=household.area_code,
        created_at=now,
        updated_at=now,
        **member_values(data, info),
    )
    refresh_head(household)
    household.save()
    audit.record(
        actor=by,
        membership=membership,
        action="household.member_add",
        obj=member,
        area_code=household.area_code,
        after=public(data),
    )
    return member


@transaction.atomic
def member_update(
    *, by: User, member: Member, data: MemberInput, expected_version: int | None = None
) -> Member:
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, member.area_code)
    household = lock(member.household)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not (data.id_number or "").strip():
        # Left blank on the edit form: the number stays as stored (it is never shown in full to re-type).
        data = replace(data, id_number=crypto.decrypt(member.id_cipher, purpose=ID_PURPOSE))
    problems = Problems()
    info = check_member(data, problems)
    if (
        info is not None
        and household.members.filter(id_index__in=id_indexes_of(info.number)).exclude(pk=member.pk).exists()
    ):
        problems.add("id_number", "本户已有相同身份证号的成员")
    if (
        data.relation == Relation.HEAD
        and member.relation != Relation.HEAD
        and household.members.filter(relation=Relation.HEAD, is_active=True).exclude(pk=member.pk).exists()
    ):
        problems.add("relation", "本户已有户主，请先修改原户主的关系")
    problems.raise_if_any("成员信息有误，未保存")
    assert info is not None  # raise_if_any refused an unreadable number
    before = {
        k: getattr(member, k)
        for k in ("name", "id_masked", "relation", "covered", "disability", "work_ability")
    }
    bump(household, expected_version)
    for name, value in member_values(data, info).items():
        setattr(member, name, value)
    member.updated_at = clock.now()
    member.save()
    refresh_head(household)
    household.save()
    audit.record(
        actor=by,
        membership=membership,
        action="household.member_update",
        obj=member,
        before=before,
        after=public(data),
    )
    return member


@transaction.atomic
def member_leave(
    *, by: User, member: Member, on: date, reason: str, expected_version: int | None = None
) -> Member:
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, member.area_code)
    household = lock(member.household)
    member = Member.objects.select_for_update().get(pk=member.pk)
    ensure_not_future(on, "离户日期", field="on")
    if reason not in LeftReason.values:
        raise ValidationFailed("请选择离户原因", field_errors={"reason": "无效"})
    if not member.is_active:
        raise ValidationFailed("该成员已离户")
    bump(household, expected_version)
    member.is_active = False
    member.left_on = on
    member.left_reason = reason
    member.updated_at = clock.now()
    member.save()
    refresh_head(household)
    household.save()
    audit.record(
        actor=by,
        membership=membership,
        action="household.member_leave",
        obj=member,
        after={"left_on": on, "reason": reason},
    )
    return member


def member_reveal_id(*, by: User, member: Member) -> str:
    """The full ID number, for a role that may see it; every reveal is an audit event."""
    membership = authz.require(by, Perm.PII_REVEAL, member.area_code)
    with transaction.atomic():
        audit.record(
            actor=by,
            membership=membership,
            action="pii.reveal_id",
            obj=member,
            object_repr=f"{member.household}·{member}",
        )
    return crypto.decrypt(member.id_cipher, purpose=ID_PURPOSE)
