"""Writes to the household registry. Each function validates everything first, reports every problem at
once in Chinese, then writes in one transaction with an audit event."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal

from django.db import transaction

from jiuzhu.core import audit, clock, crypto, idnumber
from jiuzhu.core.dates import ensure_not_future
from jiuzhu.core.errors import Conflict, ValidationFailed
from jiuzhu.core.jurisdiction_codes import is_valid_code
from jiuzhu.core.masking import mask_id_number
from jiuzhu.core.money import to_yuan
from jiuzhu.core.problems import Problems
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.models import (
    Asset,
    AssetKind,
    Disability,
    DiscoveryReport,
    DiscoveryStatus,
    Employment,
    Household,
    IncomeCategory,
    IncomeItem,
    LeftReason,
    Member,
    NearRelative,
    Relation,
    RelativeRole,
    Schooling,
    WorkAbility,
)

ID_PURPOSE = "id_number"
# Sanity bounds against typing errors (an extra zero), not policy numbers.
MAX_MONTHLY_INCOME = Decimal("1000000")
MAX_ASSET_VALUE = Decimal("10000000000")


@dataclass
class MemberInput:
    name: str
    id_number: str
    relation: str
    birth_date: date | None = None  # typed on the form: cross-checked with the ID number
    sex: str | None = None
    hukou_area_code: str = ""
    disability: str = ""
    disability_grade: int | None = None
    work_ability: str = WorkAbility.FULL
    serious_illness: bool = False
    illness_note: str = ""
    schooling: str = ""
    employment: str = Employment.NONE
    covered: bool = True
    covered_note: str = ""


def id_fields(number: str) -> dict[str, str]:
    """Cipher text, blind index and mask of an ID number (A-GCM at rest, HMAC for lookups)."""
    normal = idnumber.normalise(number)
    return {
        "id_cipher": crypto.encrypt(normal, purpose=ID_PURPOSE),
        "id_index": crypto.blind_index(normal, purpose=ID_PURPOSE),
        "id_masked": mask_id_number(normal),
    }


def id_index_of(number: str) -> str:
    return crypto.blind_index(idnumber.normalise(number), purpose=ID_PURPOSE)


def id_indexes_of(number: str) -> list[str]:
    """For lookups: the index under every configured key set, so a search finds rows a key rotation has not
    reached yet."""
    return crypto.blind_indexes(idnumber.normalise(number), purpose=ID_PURPOSE)


def check_member(data: MemberInput, problems: Problems, prefix: str = "") -> idnumber.IdInfo | None:
    who = data.name.strip() or "成员"
    if not data.name.strip():
        problems.add(f"{prefix}name", "请填写姓名")
    info = None
    try:
        info = idnumber.parse(data.id_number)
    except ValidationFailed as exc:
        problems.add(f"{prefix}id_number", exc.message, f"{who}：{exc.message}")
    if info is not None:
        if data.birth_date is not None and data.birth_date != info.birth_date:
            problems.add(
                f"{prefix}birth_date",
                f"出生日期与身份证号不符（身份证号显示为 {info.birth_date:%Y-%m-%d}）",
                f"{who}：填写的出生日期 {data.birth_date:%Y-%m-%d} 与身份证号显示的 {info.birth_date:%Y-%m-%d} 不符",
            )
        if data.sex and data.sex != info.sex:
            shown = "男" if info.sex == "M" else "女"
            problems.add(
                f"{prefix}sex", f"性别与身份证号不符（身份证号显示为{shown}）", f"{who}：性别与身份证号不符"
            )
    if data.relation not in Relation.values:
        problems.add(f"{prefix}relation", "与户主关系无效")
    if data.disability not in Disability.values:
        problems.add(f"{prefix}disability", "残疾类别无效")
    if data.disability and data.disability_grade not in (1, 2, 3, 4):
        problems.add(
            f"{prefix}disability_grade", "残疾等级应为 1–4 级", f"{who}：有残疾类别时须填写 1–4 级残疾等级"
        )
    if not data.disability and data.disability_grade:
        problems.add(f"{prefix}disability_grade", "未选择残疾类别时不应填写等级")
    if data.work_ability not in WorkAbility.values:
        problems.add(f"{prefix}work_ability", "劳动能力无效")
    if data.schooling not in Schooling.values:
        problems.add(f"{prefix}schooling", "在学情况无效")
    if data.employment not in Employment.values:
        problems.add(f"{prefix}employment", "就业状况无效")
    if data.hukou_area_code and not is_valid_code(data.hukou_area_code):
        problems.add(f"{prefix}hukou_area_code", "户籍地区划代码应为12位数字")
    if not data.covered and not data.covered_note.strip():
        problems.add(
            f"{prefix}covered_note", "不计入保障人数时须说明原因", f"{who}：不计入保障人数时须说明原因"
        )
    return info


def _member_values(data: MemberInput, info: idnumber.IdInfo) -> dict:
    return {
        "name": data.name.strip(),
        **id_fields(info.number),
        "birth_date": info.birth_date,
        "sex": info.sex,
        "relation": data.relation,
        "hukou_area_code": data.hukou_area_code,
        "disability": data.disability,
        "disability_grade": data.disability_grade if data.disability else None,
        "work_ability": data.work_ability,
        "serious_illness": data.serious_illness,
        "illness_note": data.illness_note.strip(),
        "schooling": data.schooling,
        "employment": data.employment,
        "covered": data.covered,
        "covered_note": data.covered_note.strip() if not data.covered else "",
    }


def _public(data: MemberInput) -> dict:
    """A member as the audit trail keeps it: masked number and, by the mask rule, only the year of birth."""
    values = asdict(data)
    values["id_number"] = mask_id_number(idnumber.normalise(data.id_number))
    birth = values.pop("birth_date", None)
    if birth is not None:
        values["birth_year"] = birth.year
    return values


def _village(code: str, problems: Problems) -> Jurisdiction | None:
    village = Jurisdiction.objects.filter(code=code, level=Level.VILLAGE).first()
    if village is None:
        problems.add("area_code", "请选择家庭居住的村（社区）")
    return village


def _refresh_head(household: Household) -> None:
    head = household.members.filter(relation=Relation.HEAD, is_active=True).first()
    household.head_name = head.name if head else ""
    household.head_id_masked = head.id_masked if head else ""


def _bump(household: Household, expected_version: int | None) -> None:
    """Optimistic lock: a form carries the version it was built from."""
    if expected_version is not None and household.version != expected_version:
        raise Conflict("该家庭信息刚被他人修改，请刷新页面后重新填写")
    household.version += 1
    household.updated_at = clock.now()


@transaction.atomic
def household_create(
    *,
    by,
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
                **_member_values(d, info),
            )
            for d, info in zip(members, infos, strict=True)
            if info is not None
        ]
    )
    _refresh_head(household)
    household.save(update_fields=["head_name", "head_id_masked"])
    audit.record(
        actor=by,
        membership=membership,
        action="household.create",
        obj=household,
        after={"address": household.address, "members": [_public(m) for m in members]},
    )
    return household


def _lock(household: Household) -> Household:
    return Household.objects.select_for_update().get(pk=household.pk)


HOUSEHOLD_FIELDS = ["address", "urban_rural", "hukou_area_code", "hukou_address", "phone"]


@transaction.atomic
def household_update(
    *, by, household: Household, expected_version: int | None = None, **changes
) -> Household:
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, household.area_code)
    household = _lock(household)
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
    _bump(household, expected_version)
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


@transaction.atomic
def member_add(*, by, household: Household, data: MemberInput, expected_version: int | None = None) -> Member:
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, household.area_code)
    household = _lock(household)
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
    assert info is not None
    _bump(household, expected_version)
    now = clock.now()
    member = Member.objects.create(
        household=household,
        area_code=household.area_code,
        created_at=now,
        updated_at=now,
        **_member_values(data, info),
    )
    _refresh_head(household)
    household.save()
    audit.record(
        actor=by,
        membership=membership,
        action="household.member_add",
        obj=member,
        area_code=household.area_code,
        after=_public(data),
    )
    return member


@transaction.atomic
def member_update(*, by, member: Member, data: MemberInput, expected_version: int | None = None) -> Member:
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, member.area_code)
    household = _lock(member.household)
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
    assert info is not None
    before = {
        k: getattr(member, k)
        for k in ("name", "id_masked", "relation", "covered", "disability", "work_ability")
    }
    _bump(household, expected_version)
    for name, value in _member_values(data, info).items():
        setattr(member, name, value)
    member.updated_at = clock.now()
    member.save()
    _refresh_head(household)
    household.save()
    audit.record(
        actor=by,
        membership=membership,
        action="household.member_update",
        obj=member,
        before=before,
        after=_public(data),
    )
    return member


@transaction.atomic
def member_leave(*, by, member: Member, on: date, reason: str, expected_version: int | None = None) -> Member:
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, member.area_code)
    household = _lock(member.household)
    member = Member.objects.select_for_update().get(pk=member.pk)
    ensure_not_future(on, "离户日期", field="on")
    if reason not in LeftReason.values:
        raise ValidationFailed("请选择离户原因", field_errors={"reason": "无效"})
    if not member.is_active:
        raise ValidationFailed("该成员已离户")
    _bump(household, expected_version)
    member.is_active = False
    member.left_on = on
    member.left_reason = reason
    member.updated_at = clock.now()
    member.save()
    _refresh_head(household)
    household.save()
    audit.record(
        actor=by,
        membership=membership,
        action="household.member_leave",
        obj=member,
        after={"left_on": on, "reason": reason},
    )
    return member


def member_reveal_id(*, by, member: Member) -> str:
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


# --- income and assets ---------------------------------------------------------------------------------


@transaction.atomic
def income_add(
    *,
    by,
    household: Household,
    category: str,
    description: str,
    monthly_amount,
    member: Member | None = None,
    excluded: bool = False,
    excluded_reason: str = "",
) -> IncomeItem:
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, household.area_code)
    household = _lock(household)
    problems = Problems()
    if category not in IncomeCategory.values:
        problems.add("category", "请选择收入类别")
    if not description.strip():
        problems.add("description", "请填写收入说明")
    amount = None
    try:
        amount = to_yuan(monthly_amount, label="月均金额", maximum=MAX_MONTHLY_INCOME)
    except ValidationFailed as exc:
        problems.add("monthly_amount", exc.message)
    if excluded and not excluded_reason.strip():
        problems.add("excluded_reason", "政策规定不计入的收入须注明依据")
    if member is not None and member.household_id != household.pk:
        problems.add("member", "成员不属于本户")
    problems.raise_if_any("收入信息有误，未保存")
    _bump(household, None)
    household.save()
    item = IncomeItem.objects.create(
        household=household,
        member=member,
        category=category,
        description=description.strip(),
        monthly_amount=amount,
        excluded=excluded,
        excluded_reason=excluded_reason.strip(),
        created_at=clock.now(),
    )
    audit.record(
        actor=by,
        membership=membership,
        action="household.income_add",
        obj=household,
        after={
            "category": category,
            "description": description,
            "monthly_amount": amount,
            "excluded": excluded,
        },
    )
    return item


@transaction.atomic
def income_remove(*, by, item: IncomeItem) -> None:
    household = item.household
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, household.area_code)
    household = _lock(household)
    _bump(household, None)
    household.save()
    audit.record(
        actor=by,
        membership=membership,
        action="household.income_remove",
        obj=household,
        before={
            "category": item.category,
            "description": item.description,
            "monthly_amount": item.monthly_amount,
        },
    )
    item.delete()


@transaction.atomic
def asset_add(
    *,
    by,
    household: Household,
    kind: str,
    description: str,
    value=None,
    quantity=None,
    unit: str = "",
    member: Member | None = None,
) -> Asset:
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, household.area_code)
    household = _lock(household)
    problems = Problems()
    if kind not in AssetKind.values:
        problems.add("kind", "请选择财产类别")
    if not description.strip():
        problems.add("description", "请填写财产说明")
    amount = qty = None
    if value not in (None, ""):
        try:
            amount = to_yuan(value, label="估值", maximum=MAX_ASSET_VALUE)
        except ValidationFailed as exc:
            problems.add("value", exc.message)
    if quantity not in (None, ""):
        try:
            qty = to_yuan(quantity, label="数量/面积", maximum=MAX_ASSET_VALUE)
        except ValidationFailed as exc:
            problems.add("quantity", exc.message)
    problems.raise_if_any("财产信息有误，未保存")
    _bump(household, None)
    household.save()
    asset = Asset.objects.create(
        household=household,
        member=member,
        kind=kind,
        description=description.strip(),
        value=amount,
        quantity=qty,
        unit=unit.strip(),
        created_at=clock.now(),
    )
    audit.record(
        actor=by,
        membership=membership,
        action="household.asset_add",
        obj=household,
        after={"kind": kind, "description": description, "value": amount},
    )
    return asset


@transaction.atomic
def asset_remove(*, by, asset: Asset) -> None:
    household = asset.household
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, household.area_code)
    household = _lock(household)
    _bump(household, None)
    household.save()
    audit.record(
        actor=by,
        membership=membership,
        action="household.asset_remove",
        obj=household,
        before={"kind": asset.kind, "description": asset.description, "value": asset.value},
    )
    asset.delete()


# --- near relatives (DM2) -----------------------------------------------------------------------------


@dataclass
class RelativeInput:
    official_name: str
    official_role: str
    official_unit: str
    relative_name: str
    relative_id: str
    relation: str
    registered_on: date | None


def check_relative(data: RelativeInput, problems: Problems, prefix: str = "") -> idnumber.IdInfo | None:
    if not data.official_name.strip():
        problems.add(f"{prefix}official_name", "请填写工作人员姓名")
    if data.official_role not in RelativeRole.values:
        problems.add(f"{prefix}official_role", "身份应为“社会救助经办人员”或“村（居）民委员会成员”")
    if not data.relative_name.strip():
        problems.add(f"{prefix}relative_name", "请填写近亲属姓名")
    if not data.relation.strip():
        problems.add(f"{prefix}relation", "请填写关系")
    if data.registered_on is None:
        problems.add(f"{prefix}registered_on", "请填写登记日期（格式 YYYY-MM-DD）")
    else:
        try:
            ensure_not_future(data.registered_on, "登记日期")
        except ValidationFailed as exc:
            problems.add(f"{prefix}registered_on", exc.message)
    try:
        return idnumber.parse(data.relative_id, label="近亲属身份证号")
    except ValidationFailed as exc:
        problems.add(f"{prefix}relative_id", exc.message)
        return None


def _relative_row(data: RelativeInput, info: idnumber.IdInfo, area_code: str, by) -> NearRelative:
    f = id_fields(info.number)
    return NearRelative(
        area_code=area_code,
        official_name=data.official_name.strip(),
        official_role=data.official_role,
        official_unit=data.official_unit.strip(),
        relative_name=data.relative_name.strip(),
        relative_id_cipher=f["id_cipher"],
        relative_id_index=f["id_index"],
        relative_id_masked=f["id_masked"],
        relation=data.relation.strip(),
        registered_on=data.registered_on,
        created_by=by,
        created_at=clock.now(),
    )


@transaction.atomic
def relative_add(*, by, area_code: str, data: RelativeInput) -> NearRelative:
    membership = authz.require(by, Perm.RELATIVE_REGISTRY, area_code)
    problems = Problems()
    info = check_relative(data, problems)
    problems.raise_if_any("近亲属信息有误，未保存")
    assert info is not None
    row = _relative_row(data, info, area_code, by)
    row.save()
    audit.record(
        actor=by,
        membership=membership,
        action="relative.add",
        obj=row,
        after={"official": data.official_name, "relative": row.relative_id_masked, "relation": data.relation},
    )
    return row


@dataclass
class ImportOutcome:
    created: int
    errors: list[str]


@transaction.atomic
def relative_import(
    *, by, area_code: str, rows: list[RelativeInput], commit_good_rows: bool
) -> ImportOutcome:
    """All or nothing, unless the user chose to commit the good rows and skip the bad ones."""
    membership = authz.require(by, Perm.RELATIVE_REGISTRY, area_code)
    errors: list[str] = []
    good: list[NearRelative] = []
    for lineno, data in enumerate(rows, start=2):
        problems = Problems()
        info = check_relative(data, problems)
        if problems.messages:
            errors.append(f"第{lineno}行：" + "；".join(problems.messages))
        elif info is not None:
            good.append(_relative_row(data, info, area_code, by))
    if errors and not commit_good_rows:
        return ImportOutcome(0, errors)
    NearRelative.objects.bulk_create(good)
    audit.record(
        actor=by,
        membership=membership,
        action="relative.import",
        area_code=area_code,
        object_type="registry.nearrelative",
        object_repr=f"导入近亲属名册 {len(good)} 条",
        after={"created": len(good), "skipped": len(errors)},
    )
    return ImportOutcome(len(good), errors)


@transaction.atomic
def relative_deactivate(*, by, relative: NearRelative, reason: str) -> NearRelative:
    """DM2: the official left the post, or the relationship ended. The entry stays in the register
    (inactive), so past filings still point at it; new applications are no longer flagged."""
    membership = authz.require(by, Perm.RELATIVE_REGISTRY, relative.area_code)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写停用原因", field_errors={"reason": "必填"})
    if len(reason) > 200:
        raise ValidationFailed("停用原因最多 200 字", field_errors={"reason": "过长"})
    relative = NearRelative.objects.select_for_update().get(pk=relative.pk)
    if not relative.is_active:
        raise ValidationFailed(f"该记录已于{relative.deactivated_on or ''}停用")
    relative.is_active = False
    relative.deactivated_on = clock.today()
    relative.deactivate_reason = reason
    relative.save(update_fields=["is_active", "deactivated_on", "deactivate_reason"])
    audit.record(
        actor=by,
        membership=membership,
        action="relative.deactivate",
        obj=relative,
        before={"active": True},
        after={"active": False, "official": relative.official_name, "relative": relative.relative_id_masked},
        reason=reason,
    )
    return relative


# --- proactive discovery (A2) -------------------------------------------------------------------------


@transaction.atomic
def discovery_create(
    *,
    by,
    area_code: str,
    family_name: str,
    address: str,
    situation: str,
    reported_on: date,
    phone: str = "",
    suggested_type: str = "",
    household: Household | None = None,
) -> DiscoveryReport:
    membership = authz.require(by, Perm.DISCOVERY_REPORT, area_code)
    problems = Problems()
    if not Jurisdiction.objects.filter(code=area_code, level=Level.VILLAGE).exists():
        problems.add("area_code", "请选择村（社区）")
    if not family_name.strip():
        problems.add("family_name", "请填写家庭联系人")
    if not address.strip():
        problems.add("address", "请填写住址")
    if not situation.strip():
        problems.add("situation", "请描述困难情况")
    try:
        ensure_not_future(reported_on, "发现日期")
    except ValidationFailed as exc:
        problems.add("reported_on", exc.message)
    if household is not None and household.area_code != area_code:
        problems.add("household", "该家庭不在本村（社区）")
    problems.raise_if_any("报告内容有误，未保存")
    report = DiscoveryReport.objects.create(
        area_code=area_code,
        household=household,
        family_name=family_name.strip(),
        address=address.strip(),
        phone=phone.strip(),
        situation=situation.strip(),
        suggested_type=suggested_type,
        reported_on=reported_on,
        reported_by=by,
        created_at=clock.now(),
    )
    audit.record(
        actor=by,
        membership=membership,
        action="discovery.create",
        obj=report,
        after={"situation": report.situation, "suggested_type": suggested_type},
    )
    return report


@transaction.atomic
def discovery_decline(*, by, report: DiscoveryReport, note: str) -> DiscoveryReport:
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, report.area_code)
    report = DiscoveryReport.objects.select_for_update().get(pk=report.pk)
    if report.status != DiscoveryStatus.OPEN:
        raise ValidationFailed("该报告已处理")
    if not note.strip():
        raise ValidationFailed("请说明情况", field_errors={"note": "必填"})
    report.status = DiscoveryStatus.DECLINED
    report.closed_note = note.strip()
    report.save()
    audit.record(actor=by, membership=membership, action="discovery.decline", obj=report, reason=note.strip())
    return report
