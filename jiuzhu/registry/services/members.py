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
from jiuzhu.registry import hooks
from jiuzhu.registry.identity import ID_PURPOSE, id_index_of, id_indexes_of
from jiuzhu.registry.models import Household, LeftReason, Member, Relation
from jiuzhu.registry.services import one_household
from jiuzhu.registry.services.households import bump, lock, refresh_head, save_member
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
    elif info is not None and (
        clash := one_household.clash_for_number(by, info.number, registering_in=household.area_code)
    ):
        problems.add("id_number", clash)
    if (
        data.relation == Relation.HEAD
        and household.members.filter(relation=Relation.HEAD, is_active=True).exists()
    ):
        problems.add("relation", "本户已有户主，请先修改原户主的关系")
    problems.raise_if_any("成员信息有误，未保存")
    assert info is not None  # raise_if_any refused an unreadable number
    bump(household, expected_version)
    now = clock.now()
    member = Member(
        household=household,
        area_code=household.area_code,
        created_at=now,
        updated_at=now,
        **member_values(data, info),
    )
    save_member(member)
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
    elif (
        info is not None
        and member.is_active
        and id_index_of(info.number) != member.id_index
        and (clash := one_household.clash_for_number(by, info.number, registering_in=household.area_code))
    ):
        problems.add("id_number", clash)
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
    values = member_values(data, info)
    if values["id_index"] != member.id_index:
        # A corrected number is a different person: the mark of a duplicate from before the rule goes.
        member.duplicate_before_rule = False
    for name, value in values.items():
        setattr(member, name, value)
    member.updated_at = clock.now()
    save_member(member)
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


# Fields a person takes along from one household to the next (the rest belong to the household).
PERSONAL_FIELDS = (
    "name",
    "id_cipher",
    "id_index",
    "id_masked",
    "birth_date",
    "sex",
    "hukou_area_code",
    "disability",
    "disability_grade",
    "work_ability",
    "serious_illness",
    "illness_note",
    "schooling",
    "employment",
)


@transaction.atomic
def member_transfer(
    *,
    by: User,
    member: Member,
    to_household: Household,
    on: date,
    relation: str,
    reason: str,
    expected_version: int | None = None,
) -> Member:
    """迁移 (A1): a person leaves one household and joins another in one step — the old membership ends
    (reason 迁移至他户, the row stays), a new one begins — so that nobody is ever active in two households.
    Needs the right to edit both households; the open cases of both are checked again (registry hooks).
    Income and assets registered with the person stay with the old household's records."""
    source = member.household
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, source.area_code)
    authz.require(by, Perm.HOUSEHOLD_EDIT, to_household.area_code)
    # Both households locked in one order, so two transfers in opposite directions cannot deadlock.
    first, second = sorted([source, to_household], key=lambda h: h.pk)
    locked = {h.pk: lock(h) for h in (first, second)}
    source, target = locked[source.pk], locked[to_household.pk]
    member = Member.objects.select_for_update().get(pk=member.pk)
    reason = (reason or "").strip()
    problems = Problems()
    if not member.is_active:
        problems.add("member", "该成员已离户，无需迁移")
    if target.pk == source.pk:
        problems.add("to_household", "迁入家庭与原家庭相同")
    if not target.is_active:
        problems.add("to_household", "迁入家庭已注销")
    if relation not in Relation.values:
        problems.add("relation", "请选择在新家庭中与户主的关系")
    elif relation == Relation.HEAD and target.members.filter(relation=Relation.HEAD, is_active=True).exists():
        problems.add("relation", "迁入家庭已有户主，请选择其他关系")
    if (
        member.relation == Relation.HEAD
        and source.members.filter(is_active=True).exclude(pk=member.pk).exists()
    ):
        problems.add(
            "member", "该成员是原家庭户主，原家庭仍有其他在户成员：请先将其他成员改为户主，再办理迁移"
        )
    # Data from before the rule may hold the person in a third household too: moving would keep two.
    elsewhere = (
        Member.objects.filter(id_index=member.id_index, is_active=True)
        .exclude(household_id__in=[source.pk, target.pk])
        .select_related("household")
        .first()
    )
    if elsewhere is not None:
        problems.add("member", one_household.clash_message(by, elsewhere, registering_in=target.area_code))
    if not reason:
        problems.add("reason", "请填写迁移原因")
    elif len(reason) > 200:
        problems.add("reason", "迁移原因最多 200 字")
    with problems.gather("on"):
        ensure_not_future(on, "迁移日期", field="on")
    problems.raise_if_any("未能迁移")
    bump(source, expected_version)
    bump(target, None)
    now = clock.now()
    member.is_active = False
    member.left_on = on
    member.left_reason = LeftReason.TRANSFER
    member.updated_at = now
    member.save()
    personal = {name: getattr(member, name) for name in PERSONAL_FIELDS}
    # Someone coming back to a household they once left gets their old row back (one row per person).
    moved = target.members.filter(id_index=member.id_index).first() or Member(
        household=target, created_at=now
    )
    for name, value in personal.items():
        setattr(moved, name, value)
    moved.area_code = target.area_code
    moved.relation = relation
    moved.covered, moved.covered_note = True, ""
    moved.is_active, moved.left_on, moved.left_reason = True, None, ""
    moved.duplicate_before_rule = False
    moved.updated_at = now
    save_member(moved)
    for household in (source, target):
        refresh_head(household)
        household.save()
    details = {
        "from_household": source.pk,
        "to_household": target.pk,
        "on": on,
        "relation": relation,
        "id_masked": member.id_masked,
    }
    audit.record(
        actor=by,
        membership=membership,
        action="household.member_transfer_out",
        obj=member,
        object_repr=f"{source}·{member}",
        after=details,
        reason=reason,
    )
    audit.record(
        actor=by,
        membership=authz.membership_for(by, Perm.HOUSEHOLD_EDIT, target.area_code),
        action="household.member_transfer_in",
        obj=moved,
        object_repr=f"{target}·{moved}",
        after=details,
        reason=reason,
    )
    hooks.notify_members_moved(by=by, households=[source, target], reason=f"家庭成员迁移：{reason}")
    return moved
