"""API: the monthly township scores (乡镇考评, S9) and their points."""

from datetime import date
from decimal import Decimal

from ninja import Field, Router, Schema

from jiuzhu.api.schemas import Id, responses
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.supervision import selectors
from jiuzhu.supervision.api.common import CODE
from jiuzhu.supervision.services import scores

router = Router(tags=["监督管理"])


class ScoreOut(Schema):
    id: int
    township_code: str
    month: date
    score: Decimal
    rank: int
    components: dict


class PointOut(Schema):
    component: str
    points: Decimal
    note: str
    case_id: int | None
    alert_id: int | None
    finding_id: int | None
    complaint_id: int | None


class ScoreDetailOut(ScoreOut):
    points: list[PointOut]


class ComputeIn(Schema):
    county_code: str = Field(..., pattern=CODE)
    month: date


@router.get("/supervision/scores", response=responses(list[ScoreOut], read_only=True), summary="乡镇考评")
def score_list(request: AuthenticatedHttpRequest, month: date):
    return list(
        selectors.scorecards_visible_to(request.user).filter(month=month.replace(day=1)).order_by("rank")
    )


@router.post("/supervision/scores", response=responses(list[ScoreOut]), summary="计算乡镇考评（S9）")
def score_compute(request: AuthenticatedHttpRequest, payload: ComputeIn):
    return scores.scorecards_compute(by=request.user, county_code=payload.county_code, month=payload.month)


@router.get(
    "/supervision/scores/{card_id}", response=responses(ScoreDetailOut, read_only=True), summary="考评明细"
)
def score_detail(request: AuthenticatedHttpRequest, card_id: Id):
    card = selectors.get_scorecard(request.user, card_id)
    return ScoreOut.from_orm(card).dict() | {"points": list(card.points.all())}
