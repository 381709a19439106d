"""Registering a household with its members, and changing its own data (address, hukou, phone). The
household row carries the version every change of it or its members bumps (optimistic lock: a form carries
the version it was built from) and the head's name and masked number for lists."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jiuzhu.core import audit, clock
from jiuzhu.core.errors import Conflict, ValidationFailed
from jiuzhu.core.jurisdiction_codes import is_valid_code
from jiuzhu.core.masking import mask_id_number
from jiuzhu.core.problems import Problems
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.models import Household, Member, Relation
from jiuzhu.registry.services.member_input import MemberInput, check_member, member_values, public

HOUSEHOLD_FIELDS = ["address", "urban_rural", "hukou_area_code", "hukou_address", "phone"]


def lock(household: Household) -> Household:
    return Household.objects.select_for_update().get(pk=household.pk)


def bump(household: Household, expected_version: int | None) -> None:
    """Optimistic lock: a form carries the version it was built from."""
    if expected_version is not None and household.version != expected_version:
        raise Conflict("该家庭信息刚被他人修改，请刷新页面后重新填写")
    household.version += 1
    household.updated_at = clock.now()


def refresh_head(household: Household) -> None:
    head = household.members.filter(relation=Relation.HEAD, is_active=True).first()
    household.head_name = head.name if head else ""
    household.head_id_masked = head.id_masked if head else ""


def _village(code: str, problems: Problems) -> Jurisdiction | None:
    village = Jurisdiction.objects.filter(code=code, level=Level.VILLAGE).first()
    if village is None:
        problems.add("area_code", "请选择家庭居住的村（社区）")
    return village


@transaction.atomic
def household_create(
    *,
    by: User,
    area_code: str,
    address: str,
    members: list[MemberInput],
    urban_rural: str = "",
    hukou_area_code: str = "",
    hukou_address: str = "",
    phone: str = "",
    external_key: str = "",
) -> Household:
    """Register a household with its members (at least the head)."""
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, area_code)
    problems = Problems()
    village = _village(area_code, problems)
    if not address.strip():
        problems.add("address", "请填写住址")
    if hukou_area_code and not is_valid_code(hukou_area_code):
        problems.add("hukou_area_code", "户籍地区划代码应为12位数字")
    infos = []
    for i, data in enumerate(members):
        infos.append(check_member(data, problems, prefix=f"members.{i}."))
    heads = [m for m in members if m.relation == Relation.HEAD]
    if len(heads) != 1:
        problems.add("members", "每户须有且只有一名户主")
    seen: dict[str, int] = {}
    for i, info in enumerate(infos):
        if info is None:
            continue
        if info.number in seen:
            problems.add(
                f"members.{i}.id_number",
                "本户已有相同身份证号的成员",
                f"身份证号 {mask_id_number(info.number)} 在本户重复",
            )
        seen[info.number] = i
    problems.raise_if_any("家庭信息有误，未保存")
    now = clock.now()
    household = Household.objects.create(
        area_code=area_code,
        address=address.strip(),
        urban_rural=urban_rural or (village.urban_rural if village else "") or "rural",
        hukou_area_code=hukou_area_code,
        hukou_address=hukou_address.strip(),
        phone=phone.strip(),
        external_key=external_key.strip(),
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    Member.objects.bulk_create(
        [
            Member(
                household=household,
                area_code=area_code,
                created_at=now,
                updated_at=now,
                **member_values(d, info),
            )
            for d, info in zip(members, infos, strict=True)
            if info is not None
        ]
    )
    refresh_head(household)
    household.save(update_fields=["head_name", "head_id_masked"])
    audit.record(
        actor=by,
        membership=membership,
        action="household.create",
        obj=household,
        after={"address": household.address, "members": [public(m) for m in members]},
    )
    return household


@transaction.atomic
def household_update(
    *, by: User, household: Household, expected_version: int | None = None, **changes: Any
) -> Household:
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, household.area_code)
    household = lock(household)
    problems = Problems()
    unknown = set(changes) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise ValidationFailed(f"不能修改：{', '.join(sorted(unknown))}")
    if "address" in changes and not str(changes["address"]).strip():
        problems.add("address", "请填写住址")
    if changes.get("hukou_area_code") and not is_valid_code(changes["hukou_area_code"]):
        problems.add("hukou_area_code", "户籍地区划代码应为12位数字")
    problems.raise_if_any("家庭信息有误，未保存")
    before = audit.snapshot(household, HOUSEHOLD_FIELDS)
    bump(household, expected_version)
    for name, value in changes.items():
        setattr(household, name, value.strip() if isinstance(value, str) else value)
    household.save()
    audit.record(
        actor=by,
        membership=membership,
        action="household.update",
        obj=household,
        before=before,
        after=audit.snapshot(household, HOUSEHOLD_FIELDS),
    )
    return household
