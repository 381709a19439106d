"""API: the county's materials checklist (A3, A4), read and kept by the bureau."""

from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from jiuzhu.api.schemas import Id, responses
from jiuzhu.cases import materials_admin as admin
from jiuzhu.cases import selectors
from jiuzhu.cases.models import MaterialRequirement
from jiuzhu.core.errors import NotFound
from jiuzhu.core.types import AssistanceType
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.selectors import counties_visible_to

router = Router(tags=["申请材料清单"])
COUNTY = r"^\d{12}$"


class ChecklistItemOut(Schema):
    id: int
    assistance_type: str
    code: str
    name: str
    required: bool
    shared: bool
    per_member: bool
    note: str
    sort: int
    source: Literal["default", "override", "county"] = Field(
        ..., description="default 默认；override 本县调整默认材料；county 本县增加"
    )
    demanded: bool = Field(..., description="申请人须提交（必需且不能通过数据共享获取）")


def _out(row: admin.ChecklistRow) -> dict:
    item = row.item
    return {
        "id": item.pk,
        "assistance_type": item.assistance_type,
        "code": item.code,
        "name": item.name,
        "required": item.required,
        "shared": item.shared,
        "per_member": item.per_member,
        "note": item.note,
        "sort": item.sort,
        "source": row.source,
        "demanded": row.demanded,
    }


def _row(county: str, item: MaterialRequirement) -> dict:
    return _out(next(r for r in admin.checklist(county, item.assistance_type) if r.item.code == item.code))


class ChecklistQuery(Schema):
    county: str = Field(..., pattern=COUNTY, description="县（区）区划代码")
    assistance_type: AssistanceType


@router.get(
    "/material-checklist",
    response=responses(list[ChecklistItemOut], read_only=True),
    summary="本县（区）现行申请材料清单",
)
def checklist(request: AuthenticatedHttpRequest, q: Query[ChecklistQuery]):
    # The county's list applies to its townships and villages too: visible to everyone working there.
    if not counties_visible_to(request.user).filter(code=q.county).exists():
        raise NotFound()
    return [_out(r) for r in admin.checklist(q.county, q.assistance_type)]


class ChecklistItemIn(Schema):
    county: str = Field(..., pattern=COUNTY)
    assistance_type: AssistanceType
    name: str = Field(..., min_length=1, max_length=120)
    required: bool = True
    shared: bool = Field(False, description="可通过部门数据共享获取；为 true 时 required 须为 false（A4）")
    per_member: bool = False
    note: str = Field("", max_length=200)
    sort: int | None = Field(None, ge=0, le=admin.MAX_SORT)


@router.post(
    "/material-checklist/items", response=responses(ChecklistItemOut, status=201), summary="增加本县材料"
)
def item_add(request: AuthenticatedHttpRequest, payload: ChecklistItemIn):
    item = admin.item_add(
        by=request.user,
        county_code=payload.county,
        assistance_type=payload.assistance_type,
        name=payload.name,
        required=payload.required,
        shared=payload.shared,
        per_member=payload.per_member,
        note=payload.note,
        sort=payload.sort,
    )
    return Status(201, _row(payload.county, item))


class ChecklistRequiredIn(Schema):
    county: str = Field(..., pattern=COUNTY)
    required: bool


@router.post(
    "/material-checklist/items/{item_id}/required",
    response=responses(ChecklistItemOut),
    summary="设为必需或非必需（本县）",
)
def item_set_required(request: AuthenticatedHttpRequest, item_id: Id, payload: ChecklistRequiredIn):
    row = admin.item_set_required(
        by=request.user,
        county_code=payload.county,
        item=selectors.checklist_item(item_id, county_code=payload.county),
        required=payload.required,
    )
    return _row(payload.county, row)


class ChecklistDeactivateIn(Schema):
    county: str = Field(..., pattern=COUNTY)
    reason: str = Field("", max_length=200)


class ChecklistDeactivateOut(Schema):
    deactivated_id: int
    default: ChecklistItemOut | None = Field(None, description="停用本县调整后重新适用的默认材料")


@router.post(
    "/material-checklist/items/{item_id}/deactivate",
    response=responses(ChecklistDeactivateOut),
    summary="停用本县材料",
)
def item_deactivate(request: AuthenticatedHttpRequest, item_id: Id, payload: ChecklistDeactivateIn):
    item = selectors.checklist_item(item_id, county_code=payload.county)
    default = admin.item_deactivate(
        by=request.user, county_code=payload.county, item=item, reason=payload.reason
    )
    return {"deactivated_id": item.pk, "default": _row(payload.county, default) if default else None}


class ChecklistRestoreIn(Schema):
    county: str = Field(..., pattern=COUNTY)
    assistance_type: AssistanceType
    reason: str = Field("", max_length=200)


@router.post(
    "/material-checklist/restore-defaults",
    response=responses(list[ChecklistItemOut]),
    summary="恢复默认清单（撤销本县对一类救助的全部调整）",
)
def defaults_restore(request: AuthenticatedHttpRequest, payload: ChecklistRestoreIn):
    admin.defaults_restore(
        by=request.user,
        county_code=payload.county,
        assistance_type=payload.assistance_type,
        reason=payload.reason,
    )
    return [_out(r) for r in admin.checklist(payload.county, payload.assistance_type)]
