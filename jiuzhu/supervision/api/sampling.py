"""API: random samples of cases and households to inspect (S1, S2), drawn and reproducible by seed."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from jiuzhu.api.schemas import Id, PageNumber, responses
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.supervision import selectors
from jiuzhu.supervision.api.common import CODE
from jiuzhu.supervision.models import (
    SampleKind,
)
from jiuzhu.supervision.services import (
    sampling,
)

router = Router(tags=["监督管理"])


class SampleOut(Schema):
    id: int
    kind: str
    county_code: str
    period_start: date
    period_end: date
    source: str
    seed: str
    percent: Decimal
    minimum: int
    population_count: int
    drawn_count: int
    drawn_at: datetime


class SampleItemOut(Schema):
    id: int
    case_id: int | None
    household_id: int
    township_code: str
    position: int


class SampleDetailOut(SampleOut):
    items: list[SampleItemOut]


class SampleIn(Schema):
    kind: SampleKind
    county_code: str = Field(..., pattern=CODE)
    on: date | None = None


class SampleVerifyOut(Schema):
    reproduced: bool
    population_unchanged: bool
    added: int
    removed: int


@router.get("/supervision/samples", response=responses(list[SampleOut], read_only=True), summary="抽查批次")
@paginate(PageNumber)
def sample_list(request: AuthenticatedHttpRequest):
    return selectors.samples_visible_to(request.user).order_by("-period_start", "-id")


@router.post(
    "/supervision/samples", response=responses(SampleDetailOut, status=201), summary="抽取抽查对象（S1、S2）"
)
def sample_draw(request: AuthenticatedHttpRequest, payload: SampleIn):
    sample = sampling.sample_draw(
        by=request.user, kind=payload.kind, county_code=payload.county_code, on=payload.on
    )
    return Status(201, _sample(sample))


def _sample(sample) -> dict:
    return SampleOut.from_orm(sample).dict() | {"items": list(sample.items.all())}


@router.get(
    "/supervision/samples/{sample_id}",
    response=responses(SampleDetailOut, read_only=True),
    summary="抽查批次详情",
)
def sample_detail(request: AuthenticatedHttpRequest, sample_id: Id):
    return _sample(selectors.get_sample(request.user, sample_id))


@router.get(
    "/supervision/samples/{sample_id}/verify",
    response=responses(SampleVerifyOut, read_only=True),
    summary="按随机种子复现核验",
)
def sample_verify(request: AuthenticatedHttpRequest, sample_id: Id):
    return sampling.verify(selectors.get_sample(request.user, sample_id)).__dict__
