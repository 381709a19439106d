"""API: working-day calendar, policy parameters, audit events."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jiuzhu.api.schemas import PageNumber, responses
from jiuzhu.console.selectors import audit_events_visible_to
from jiuzhu.core import clock, params, workdays
from jiuzhu.core.errors import NotFound, ValidationFailed
from jiuzhu.core.services import param_set
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.selectors import get_jurisdiction, home_area

router = Router(tags=["基础"])


class AddWorkingDaysOut(Schema):
    start: date
    days: int
    result: date
    provisional: bool = Field(
        ..., description="该年节假日安排尚未公布：按法定节假日推算（调休上班日未知），为临时结果"
    )


class AddWorkingDaysQuery(Schema):
    start: date
    days: int = Field(..., ge=0, le=1000)


@router.get(
    "/calendar/add-working-days",
    auth=None,
    response=responses(AddWorkingDaysOut, read_only=True),
    summary="起始日加 N 个工作日（P7，免登录）",
)
def add_working_days(request: HttpRequest, q: Query[AddWorkingDaysQuery]):
    if not 1900 <= q.start.year <= 2200:
        raise ValidationFailed("起始日期超出支持范围", field_errors={"start": "年份应在 1900–2200 之间"})
    result = workdays.add_working_days(q.start, q.days)
    return {"start": q.start, "days": q.days, "result": result.date, "provisional": result.provisional}


class BetweenOut(Schema):
    start: date
    end: date
    working_days: int
    provisional: bool


class BetweenQuery(Schema):
    start: date
    end: date


@router.get(
    "/calendar/working-days-between",
    auth=None,
    response=responses(BetweenOut, read_only=True),
    summary="两日之间的工作日数（起始日不计，截止日计入；免登录）",
)
def working_days_between(request: HttpRequest, q: Query[BetweenQuery]):
    if (q.end - q.start).days > 3660 or not 1900 <= q.start.year <= 2200:
        raise ValidationFailed("日期范围过大", field_errors={"end": "跨度不超过十年"})
    count = workdays.working_days_between(q.start, q.end)
    return {"start": q.start, "end": q.end, "working_days": count.days, "provisional": count.provisional}


class ParamOut(Schema):
    key: str
    label: str
    rule: str
    unit: str
    value: Any
    effective_from: date
    scope_code: str = Field(..., description="取值所在的区划（空为全国默认）")
    area_code: str
    on: date


class ParamQuery(Schema):
    area: str | None = Field(None, pattern=r"^\d{12}$", description="区划代码，默认为本人所在辖区")
    on: date | None = Field(None, description="适用日期，默认今天")


def _param_out(key: str, area_code: str, on: date) -> dict:
    resolved = params.resolve(key, area_code=area_code, on=on)
    d = params.PARAMS[key]
    value = resolved.value
    return {
        "key": key,
        "label": d.label,
        "rule": d.rule,
        "unit": d.unit,
        "value": str(value) if d.kind in (params.Kind.MONEY, params.Kind.PERCENT) else value,
        "effective_from": resolved.effective_from,
        "scope_code": resolved.scope_code,
        "area_code": area_code,
        "on": on,
    }


def _area(request: HttpRequest, area: str | None) -> str:
    code = area or home_area(request.user)
    if not code:
        raise NotFound("没有指定区划")
    return get_jurisdiction(request.user, code).code


@router.get(
    "/params", response=responses(list[ParamOut], read_only=True), summary="某区划某日适用的全部政策参数"
)
def param_list(request: AuthenticatedHttpRequest, q: Query[ParamQuery]):
    area_code = _area(request, q.area)
    on = q.on or clock.today()
    out = []
    for key in params.PARAMS:
        try:
            out.append(_param_out(key, area_code, on))
        except params.MissingParameter:
            continue
    return out


@router.get(
    "/params/{key}", response=responses(ParamOut, read_only=True), summary="某区划某日适用的一个政策参数"
)
def param_detail(request: AuthenticatedHttpRequest, key: str, q: Query[ParamQuery]):
    if key not in params.PARAMS:
        raise NotFound("没有这个政策参数")
    return _param_out(key, _area(request, q.area), q.on or clock.today())


class ParamIn(Schema):
    area: str = Field(..., pattern=r"^\d{12}$")
    effective_from: date
    value: str | int | list[int] = Field(..., description='取值；金额用字符串，如 "650.00"')
    reason: str = Field(..., min_length=1, max_length=2000)
    source: str = Field("", max_length=200)


@router.post(
    "/params/{key}", response=responses(ParamOut, status=201), summary="设置政策参数（自某日起生效）"
)
def param_update(request: AuthenticatedHttpRequest, key: str, payload: ParamIn):
    if key not in params.PARAMS:
        raise NotFound("没有这个政策参数")
    area_code = _area(request, payload.area)
    param_set(
        by=request.user,
        key=key,
        scope_code=area_code,
        effective_from=payload.effective_from,
        value=payload.value,
        reason=payload.reason,
        source=payload.source,
    )
    return Status(201, _param_out(key, area_code, max(payload.effective_from, clock.today())))


class AuditEventOut(Schema):
    id: int
    at: datetime
    actor_name: str
    role: str
    organisation_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    area_code: str
    before: Any = None
    after: Any = None
    reason: str
    ip: str
    channel: str
    hash: str


class AuditFilter(Schema):
    action: str | None = Field(None, max_length=80)
    object_type: str | None = Field(None, max_length=80)
    object_id: str | None = Field(None, max_length=64)
    date_from: date | None = None
    date_to: date | None = None


@router.get(
    "/audit/events",
    response=responses(list[AuditEventOut], read_only=True),
    summary="审计事件（审计、民政局）",
)
@paginate(PageNumber)
def audit_events(request: AuthenticatedHttpRequest, f: Query[AuditFilter]):
    qs = audit_events_visible_to(request.user).order_by("-id")
    if f.action:
        qs = qs.filter(action__startswith=f.action)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id:
        qs = qs.filter(object_id=f.object_id)
    if f.date_from:
        qs = qs.filter(at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(at__date__lte=f.date_to)
    return qs
