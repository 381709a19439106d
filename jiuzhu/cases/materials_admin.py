"""Keeping the materials checklist (A3, A4): a county's own items over the shipped defaults.

A county row (`scope_code` = the county's code) with the code of a default row replaces it for that county
(`materials.requirements_for`); a county row with a new code adds an item. Default rows are never edited
here. An inactive county row is ignored, so the default applies again: that is how one item, or the whole
list of an assistance type, goes back to the defaults — the same rule as the supervision query
`documents_missing`, which counts the same items.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction

from jiuzhu.cases.materials import requirements_for
from jiuzhu.cases.models import MaterialRequirement
from jiuzhu.core import audit
from jiuzhu.core.errors import NotFound, ValidationFailed
from jiuzhu.core.types import AssistanceType
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level, Membership, User
from jiuzhu.orgs.roles import Perm

ITEM_FIELDS = ["name", "required", "shared", "per_member", "note", "sort"]
ACTIONS = {
    "materials.item_add": "增加本县申请材料",
    "materials.item_set_required": "调整申请材料是否必需",
    "materials.item_deactivate": "停用本县申请材料",
    "materials.defaults_restore": "申请材料清单恢复默认",
}
SHARED_MESSAGE = "“{name}”可通过部门间数据共享获取，不得列为申请人必须提交的材料（A4）"
MAX_SORT = 32767  # PositiveSmallIntegerField


class Source:
    DEFAULT = "default"
    OVERRIDE = "override"
    COUNTY = "county"


SOURCE_LABELS = {Source.DEFAULT: "默认", Source.OVERRIDE: "本县调整", Source.COUNTY: "本县增加"}


@dataclass(frozen=True)
class ChecklistRow:
    item: MaterialRequirement  # the row in force for the county
    default: MaterialRequirement | None  # the shipped row of the same code, if any

    @property
    def source(self) -> str:
        if not self.item.scope_code:
            return Source.DEFAULT
        return Source.OVERRIDE if self.default is not None else Source.COUNTY

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]

    @property
    def demanded(self) -> bool:
        """What the applicant must bring: shared items never are (A4)."""
        return self.item.required and not self.item.shared


def checklist(county_code: str, assistance_type: str) -> list[ChecklistRow]:
    defaults = {
        r.code: r
        for r in MaterialRequirement.objects.filter(
            assistance_type=assistance_type, scope_code="", is_active=True
        )
    }
    return [ChecklistRow(r, defaults.get(r.code)) for r in requirements_for(assistance_type, county_code)]


def _authorise(by: User, county_code: str, assistance_type: str) -> Membership | None:
    # Township staff read their county's list: for them a county edit is forbidden (403), not absent.
    authz.require(by, Perm.PARAMS_EDIT)
    membership = authz.require(by, Perm.PARAMS_EDIT, county_code)
    if not Jurisdiction.objects.filter(code=county_code, level=Level.COUNTY).exists():
        raise ValidationFailed(
            "申请材料清单按县（区）维护，请选择县（区）", field_errors={"county": "不是县（区）"}
        )
    if assistance_type not in AssistanceType.values:
        raise ValidationFailed("救助类型无效", field_errors={"assistance_type": "无效"})
    # One county's edits of its checklist run one after the other.
    Jurisdiction.objects.select_for_update().get(pk=county_code)
    return membership


def _in_force(county_code: str, item: MaterialRequirement) -> MaterialRequirement:
    """The item as the county's checklist has it now; items of other counties do not exist here."""
    if item.scope_code not in ("", county_code):
        raise NotFound()
    current = next(
        (r for r in requirements_for(item.assistance_type, county_code) if r.code == item.code), None
    )
    if current is None:
        raise ValidationFailed("该材料不在本县（区）现行清单中，请刷新页面")
    return current


@transaction.atomic
def item_add(
    *,
    by: User,
    county_code: str,
    assistance_type: str,
    name: str,
    required: bool,
    shared: bool = False,
    per_member: bool = False,
    note: str = "",
    sort: int | None = None,
) -> MaterialRequirement:
    membership = _authorise(by, county_code, assistance_type)
    name = (name or "").strip()
    note = (note or "").strip()
    if not name:
        raise ValidationFailed("请填写材料名称", field_errors={"name": "必填"})
    if len(name) > 120 or len(note) > 200:
        raise ValidationFailed("材料名称最多 120 字，说明最多 200 字")
    if required and shared:
        raise ValidationFailed(
            SHARED_MESSAGE.format(name=name), field_errors={"required": "共享材料不能必需"}
        )
    current = requirements_for(assistance_type, county_code)
    if any(r.name == name for r in current):
        raise ValidationFailed(f"清单中已有“{name}”", field_errors={"name": "已有同名材料"})
    if sort is None:
        sort = max((r.sort for r in current), default=0) + 10
    if not 0 <= sort <= MAX_SORT:
        raise ValidationFailed(f"排序应在 0–{MAX_SORT} 之间", field_errors={"sort": "超出范围"})
    code = "county_" + secrets.token_hex(4)
    while MaterialRequirement.objects.filter(assistance_type=assistance_type, code=code).exists():
        code = "county_" + secrets.token_hex(4)
    item = MaterialRequirement.objects.create(
        assistance_type=assistance_type,
        code=code,
        scope_code=county_code,
        name=name,
        required=required,
        shared=shared,
        per_member=per_member,
        note=note,
        sort=min(sort, MAX_SORT),
    )
    audit.record(
        actor=by,
        membership=membership,
        action="materials.item_add",
        obj=item,
        area_code=county_code,
        after={"assistance_type": assistance_type, **audit.snapshot(item, ITEM_FIELDS)},
    )
    return item


@transaction.atomic
def item_set_required(
    *, by: User, county_code: str, item: MaterialRequirement, required: bool
) -> MaterialRequirement:
    """Mark an item required or optional for the county; a default item gets a county copy."""
    membership = _authorise(by, county_code, item.assistance_type)
    current = _in_force(county_code, item)
    if required and current.shared:
        raise ValidationFailed(SHARED_MESSAGE.format(name=current.name))
    if current.required == required:
        raise ValidationFailed(f"“{current.name}”已是{'必需' if required else '非必需'}材料")
    before = audit.snapshot(current, ITEM_FIELDS)
    if not current.scope_code:
        values = {f: getattr(current, f) for f in ITEM_FIELDS} | {"required": required, "is_active": True}
        row, _ = MaterialRequirement.objects.update_or_create(
            assistance_type=current.assistance_type,
            code=current.code,
            scope_code=county_code,
            defaults=values,
        )
    else:
        row = current
        row.required = required
        row.save(update_fields=["required"])
        default = MaterialRequirement.objects.filter(
            assistance_type=row.assistance_type, code=row.code, scope_code="", is_active=True
        ).first()
        if default is not None and all(getattr(default, f) == getattr(row, f) for f in ITEM_FIELDS):
            # Back to the default exactly: drop the copy, so materials received against the default
            # row count again.
            row.is_active = False
            row.save(update_fields=["is_active"])
            row = default
    audit.record(
        actor=by,
        membership=membership,
        action="materials.item_set_required",
        obj=row,
        area_code=county_code,
        before=before,
        after=audit.snapshot(row, ITEM_FIELDS),
    )
    return row


@transaction.atomic
def item_deactivate(
    *, by: User, county_code: str, item: MaterialRequirement, reason: str = ""
) -> MaterialRequirement | None:
    """Stop a county item. For a county copy of a default item the default applies again (returned);
    default items themselves stay: the county may only make them optional."""
    membership = _authorise(by, county_code, item.assistance_type)
    current = _in_force(county_code, item)
    if not current.scope_code:
        raise ValidationFailed(
            f"“{current.name}”是默认材料，不能在本县停用；本县不要求提交的，可设为“非必需”"
        )
    current.is_active = False
    current.save(update_fields=["is_active"])
    default = MaterialRequirement.objects.filter(
        assistance_type=current.assistance_type, code=current.code, scope_code="", is_active=True
    ).first()
    audit.record(
        actor=by,
        membership=membership,
        action="materials.item_deactivate",
        obj=current,
        area_code=county_code,
        before={"name": current.name, "active": True},
        after={"active": False, "default_applies": default is not None},
        reason=(reason or "").strip(),
    )
    return default


@transaction.atomic
def defaults_restore(*, by: User, county_code: str, assistance_type: str, reason: str = "") -> int:
    """Drop every county item of one assistance type: the shipped list applies again. Returns how many."""
    membership = _authorise(by, county_code, assistance_type)
    rows = list(
        MaterialRequirement.objects.filter(
            assistance_type=assistance_type, scope_code=county_code, is_active=True
        ).order_by("sort", "id")
    )
    if not rows:
        raise ValidationFailed("本县（区）没有调整这类救助的材料清单，已是默认清单")
    MaterialRequirement.objects.filter(pk__in=[r.pk for r in rows]).update(is_active=False)
    audit.record(
        actor=by,
        membership=membership,
        action="materials.defaults_restore",
        area_code=county_code,
        object_type="cases.materialrequirement",
        object_repr=f"{AssistanceType(assistance_type).label}申请材料清单恢复默认",
        before={"items": [r.name for r in rows]},
        after={"assistance_type": assistance_type, "restored": len(rows)},
        reason=(reason or "").strip(),
    )
    return len(rows)
