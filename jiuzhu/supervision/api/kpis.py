"""API: the supervision dashboard's tables (S5, S11), one per chart."""

from ninja import Query, Router, Schema

from jiuzhu.api.schemas import responses
from jiuzhu.core import clock
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision import kpis, selectors

router = Router(tags=["监督管理"])


class TableOut(Schema):
    code: str
    title: str
    headers: list[str]
    rows: list[list]
    rule: str
    note: str


@router.get(
    "/supervision/kpis", response=responses(list[TableOut], read_only=True), summary="监管指标（S5、S11）"
)
def kpi_tables(request: AuthenticatedHttpRequest, year: int | None = Query(None, ge=2000, le=2100)):
    """The dashboard's tables (each chart's numbers), the funds table for `year` (this year by default)."""
    townships = list(selectors.townships_for(request.user))
    tables = [
        kpis.processing_times(request.user, townships),
        kpis.backlog(request.user, townships),
        kpis.problem_data(request.user, townships),
        kpis.ledger_consistency(request.user, townships),
        kpis.coverage(request.user, townships, clock.today()),
        kpis.funds(request.user, townships, year or clock.today().year),
        kpis.staffing(request.user, townships),
    ]
    if authz.can(request.user, Perm.COMPLAINT_HANDLE):
        tables.append(kpis.complaint_trend(request.user))
    return [t.__dict__ for t in tables]
