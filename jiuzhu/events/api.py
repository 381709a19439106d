"""API: the event feed and webhook subscriptions (for the province's platform and other departments)."""

from datetime import datetime

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jiuzhu.api.idempotency import not_idempotent
from jiuzhu.api.schemas import PageNumber, responses
from jiuzhu.core.errors import NotFound
from jiuzhu.events import feed, webhooks
from jiuzhu.events.models import DeliveryStatus
from jiuzhu.orgs.http import AuthenticatedHttpRequest

router = Router(tags=["数据交换"])


class EventOut(Schema):
    id: int = Field(..., description="事件序号，即下一次请求的 after 游标")
    type: str = Field(..., description="事件类型，如 case.accept、household.create")
    label: str
    at: datetime
    object_type: str
    object_id: str
    reference: str = Field(..., description="申请编号（申请类事件）")
    area_code: str
    status: str | None = Field(None, description="事件后的状态（申请类事件）")


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: int = Field(..., description="下次请求 ?after= 的取值")
    has_more: bool


class EventQuery(Schema):
    after: int = Field(0, ge=0, le=2**62, description="游标：只返回序号大于该值的事件")
    limit: int = Field(100, ge=1, le=500)
    type: list[str] = Field(default_factory=list, description="事件类型前缀，可多个，如 case.")


@router.get(
    "/events",
    response=responses(EventPage, read_only=True),
    summary="事件流（按游标增量拉取本辖区业务事件）",
)
def event_feed(request: AuthenticatedHttpRequest, q: Query[EventQuery]):
    types = [t[:80] for t in q.type if t.strip()][:20]
    rows = list(feed.events_visible_to(request.user, after=q.after, types=types or None)[: q.limit + 1])
    more = len(rows) > q.limit
    rows = rows[: q.limit]
    return {
        "items": [feed.as_item(e) for e in rows],
        "next_cursor": rows[-1].pk if rows else q.after,
        "has_more": more,
    }


class SubscriptionOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    area_code: str
    name: str
    url: str
    event_types: list[str]
    is_active: bool
    created_at: datetime
    deactivated_at: datetime | None


def _sub_out(sub) -> dict:
    return {
        "id": sub.pk,
        "organisation_id": sub.organisation_id,
        "organisation": sub.organisation.name,
        "area_code": sub.area_code,
        "name": sub.name,
        "url": sub.url,
        "event_types": sub.event_types,
        "is_active": sub.is_active,
        "created_at": sub.created_at,
        "deactivated_at": sub.deactivated_at,
    }


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str = Field(..., description="签名密钥，只显示这一次，请妥善保存")


class SubscriptionIn(Schema):
    organisation_id: int
    name: str = Field(..., min_length=1, max_length=80)
    url: str = Field(..., min_length=1, max_length=500, description="接收地址（http/https）")
    event_types: list[str] = Field(default_factory=list, max_length=20, description="事件类型前缀；空为全部")


class DeliveryOut(Schema):
    id: int
    event_id: int
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None


class DeliveryFilter(Schema):
    status: DeliveryStatus | None = None


@router.get("/webhooks", response=responses(list[SubscriptionOut], read_only=True), summary="事件推送订阅")
@paginate(PageNumber)
def subscription_list(request: AuthenticatedHttpRequest):
    return [_sub_out(s) for s in webhooks.subscriptions_visible_to(request.user).order_by("-id")]


@router.post("/webhooks", response=responses(SubscriptionCreatedOut, status=201), summary="新增事件推送订阅")
@not_idempotent  # the response carries the secret, which is never stored
def subscription_create(request: AuthenticatedHttpRequest, payload: SubscriptionIn):
    organisation = webhooks.organisations_for(request.user).filter(pk=payload.organisation_id).first()
    if organisation is None:
        raise NotFound("没有这个机构，或不在您的管理范围")
    created = webhooks.subscription_create(
        by=request.user,
        organisation=organisation,
        name=payload.name,
        url=payload.url,
        event_types=payload.event_types,
    )
    return Status(201, {**_sub_out(created.subscription), "secret": created.secret})


@router.get(
    "/webhooks/{subscription_id}", response=responses(SubscriptionOut, read_only=True), summary="一项订阅"
)
def subscription_detail(request: AuthenticatedHttpRequest, subscription_id: int):
    return _sub_out(webhooks.get_subscription(request.user, subscription_id))


@router.post(
    "/webhooks/{subscription_id}/deactivate", response=responses(SubscriptionOut), summary="停用订阅"
)
def subscription_deactivate(request: AuthenticatedHttpRequest, subscription_id: int):
    sub = webhooks.get_subscription(request.user, subscription_id)
    return _sub_out(webhooks.subscription_deactivate(by=request.user, subscription=sub))


@router.get(
    "/webhooks/{subscription_id}/deliveries",
    response=responses(list[DeliveryOut], read_only=True),
    summary="推送记录（每次投递的结果）",
)
@paginate(PageNumber)
def delivery_list(request: AuthenticatedHttpRequest, subscription_id: int, f: Query[DeliveryFilter]):
    sub = webhooks.get_subscription(request.user, subscription_id)
    qs = sub.deliveries.order_by("-id")
    if f.status:
        qs = qs.filter(status=f.status)
    return qs


@router.post(
    "/webhooks/deliveries/{delivery_id}/retry", response=responses(DeliveryOut), summary="重新投递失败的推送"
)
def delivery_retry(request: AuthenticatedHttpRequest, delivery_id: int):
    delivery = webhooks.deliveries_visible_to(request.user).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound()
    return webhooks.delivery_retry(by=request.user, delivery=delivery)
