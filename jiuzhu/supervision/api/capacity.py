"""API: temporary-aid funds (S10) and training records — the county's capacity to do the work."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jiuzhu.api.schemas import Id, PageNumber, responses
from jiuzhu.core import clock
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision import kpis, selectors
from jiuzhu.supervision.api.common import CODE
from jiuzhu.supervision.services import (
    capacity,
)

router = Router(tags=["监督管理"])


class FundSummaryOut(Schema):
    township_code: str
    township_name: str
    year: int
    allocated: Decimal = Field(..., description="拨付（元）")
    spent: Decimal = Field(..., description="已发放（元）：临时救助审批发放及急难先行救助")
    payments: int = Field(..., description="发放笔数")
    remaining: Decimal = Field(..., description="结余（元）")
    usage_percent: Decimal | None = Field(..., description="使用率（%），未拨付时为空")


class FundAllocationOut(Schema):
    id: int
    county_code: str
    township_code: str
    year: int
    amount: Decimal
    allocated_on: date
    document_no: str
    note: str
    created_at: datetime


class FundAllocationIn(Schema):
    township_code: str = Field(..., pattern=CODE)
    year: int = Field(..., ge=2000, le=2100)
    amount: Decimal = Field(..., max_digits=14, decimal_places=2, description="拨付金额（元），大于零")
    allocated_on: date
    document_no: str = Field("", max_length=60, description="拨付文号")
    note: str = Field("", max_length=200)


@router.get(
    "/supervision/funds",
    response=responses(list[FundSummaryOut], read_only=True),
    summary="临时救助资金：各乡镇拨付、已发放、结余（S10）",
)
def fund_summary(request: AuthenticatedHttpRequest, year: int | None = Query(None, ge=2000, le=2100)):
    """One row per township in the user's jurisdiction (as on the funds page); this year by default."""
    year = year or clock.today().year
    townships = list(selectors.townships_for(request.user))
    table = kpis.funds(request.user, townships, year)
    return [
        {
            "township_code": t.code,
            "township_name": t.name,
            "year": year,
            "allocated": row[1],
            "spent": row[2],
            "payments": row[3],
            "remaining": row[4],
            "usage_percent": row[5],
        }
        for t, row in zip(townships, table.rows, strict=True)
    ]


@router.get(
    "/supervision/funds/allocations",
    response=responses(list[FundAllocationOut], read_only=True),
    summary="临时救助资金拨付记录",
)
@paginate(PageNumber)
def allocation_list(
    request: AuthenticatedHttpRequest,
    year: int | None = Query(None, ge=2000, le=2100),
    township: str | None = Query(None, pattern=CODE),
):
    qs = selectors.allocations_visible_to(request.user).order_by("-allocated_on", "-id")
    if year:
        qs = qs.filter(year=year)
    if township:
        qs = qs.filter(township_code=township)
    return qs


@router.post(
    "/supervision/funds/allocations",
    response=responses(FundAllocationOut, status=201),
    summary="登记临时救助资金拨付（S10）",
)
def allocation_create(request: AuthenticatedHttpRequest, payload: FundAllocationIn):
    return Status(
        201,
        capacity.fund_allocate(
            by=request.user,
            township_code=payload.township_code,
            year=payload.year,
            amount=payload.amount,
            allocated_on=payload.allocated_on,
            document_no=payload.document_no,
            note=payload.note,
        ),
    )


class TrainingOut(Schema):
    id: int
    county_code: str
    held_on: date
    title: str
    organiser: str
    hours: Decimal
    content: str
    attendee_ids: list[int] = Field(..., description="参训工作人员")
    other_attendees: int
    created_at: datetime

    @staticmethod
    def resolve_attendee_ids(obj) -> list[int]:
        return sorted(u.pk for u in obj.attendees.all())


class TrainingIn(Schema):
    county_code: str = Field(..., pattern=CODE)
    held_on: date
    title: str = Field(..., min_length=1, max_length=120)
    organiser: str = Field(..., min_length=1, max_length=120, description="主办单位")
    hours: Decimal = Field(..., max_digits=5, decimal_places=1, description="学时（0–200）")
    content: str = Field("", max_length=4000)
    attendee_ids: list[Id] = Field(default_factory=list, max_length=500, description="本辖区参训工作人员")
    other_attendees: int = Field(0, ge=0, le=100000, description="其他参训人数")


@router.get(
    "/supervision/trainings", response=responses(list[TrainingOut], read_only=True), summary="业务培训记录"
)
@paginate(PageNumber)
def training_list(request: AuthenticatedHttpRequest, year: int | None = Query(None, ge=2000, le=2100)):
    qs = selectors.trainings_visible_to(request.user).order_by("-held_on", "-id")
    return qs.filter(held_on__year=year) if year else qs


@router.post("/supervision/trainings", response=responses(TrainingOut, status=201), summary="登记业务培训")
def training_create(request: AuthenticatedHttpRequest, payload: TrainingIn):
    authz.require(request.user, Perm.TRAINING_MANAGE, payload.county_code)  # 404/403 before looking up people
    wanted = set(payload.attendee_ids)
    people = list(User.objects.filter(pk__in=wanted, is_active=True).order_by("pk"))
    if len(people) != len(wanted):
        missing = sorted(wanted - {u.pk for u in people})
        raise ValidationFailed(
            "参训人员不存在：" + "、".join(str(i) for i in missing[:5]),
            field_errors={"attendee_ids": "不存在"},
        )
    training = capacity.training_record(
        by=request.user,
        county_code=payload.county_code,
        held_on=payload.held_on,
        title=payload.title,
        organiser=payload.organiser,
        hours=payload.hours,
        content=payload.content,
        attendees=people,
        other_attendees=payload.other_attendees,
    )
    return Status(201, selectors.trainings_visible_to(request.user).get(pk=training.pk))
