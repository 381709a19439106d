"""The near-relative register (DM2): the close relatives of assistance staff and village committee members,
entered one by one or imported as a list, and taken off the active register with a reason (the entry stays,
so past filings still point at it). An application by a registered relative is flagged at intake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from jiuzhu.core import audit, clock, idnumber
from jiuzhu.core.dates import ensure_not_future
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.problems import Problems
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.identity import id_fields
from jiuzhu.registry.models import NearRelative, RelativeRole


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


def _relative_row(data: RelativeInput, info: idnumber.IdInfo, area_code: str, by: User) -> NearRelative:
    assert data.registered_on is not None  # check_relative refused a missing date
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
def relative_add(*, by: User, area_code: str, data: RelativeInput) -> NearRelative:
    membership = authz.require(by, Perm.RELATIVE_REGISTRY, area_code)
    problems = Problems()
    info = check_relative(data, problems)
    problems.raise_if_any("近亲属信息有误，未保存")
    assert info is not None  # raise_if_any refused an unreadable number
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
    *, by: User, area_code: str, rows: list[RelativeInput], commit_good_rows: bool
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
def relative_deactivate(*, by: User, relative: NearRelative, reason: str) -> NearRelative:
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
