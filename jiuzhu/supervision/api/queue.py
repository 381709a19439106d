"""API: the township's supervision queue (督办待办) — what awaits its answer, oldest deadline first."""

from datetime import date

from django.db.models import OuterRef, Subquery
from ninja import Field, Router, Schema

from jiuzhu.api.schemas import responses
from jiuzhu.core import clock
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision import selectors
from jiuzhu.supervision.api.alerts import AlertOut
from jiuzhu.supervision.api.complaints import ComplaintOut
from jiuzhu.supervision.api.inspections import FindingOut
from jiuzhu.supervision.models import (
    MatterStep,
)

router = Router(tags=["监督管理"])


QUEUE_LIMIT = 100


class QueueMatterOut(Schema):
    id: int
    township_code: str
    title: str
    level: str
    status: str
    opened_on: date
    step_id: int = Field(..., description="当前环节（回复时针对它）")
    issued_on: date
    due_on: date = Field(..., description="当前环节的整改时限")
    overdue: bool = Field(..., description="已过整改时限且未回复")
    version: int


class SupervisionQueueOut(Schema):
    today: date
    matter_count: int = Field(..., description="督办中、待乡镇回复的事项数")
    overdue_count: int
    matters: list[QueueMatterOut] = Field(..., description="整改时限最早的在前，至多 100 项")
    alert_count: int
    alerts: list[AlertOut] = Field(..., description="未处理预警，最早发现的在前，至多 100 项")
    finding_count: int
    findings: list[FindingOut] = Field(..., description="待整改问题，至多 100 项")
    complaint_count: int | None = Field(..., description="未答复的投诉举报；无投诉举报办理权限时为空")
    complaints: list[ComplaintOut] = Field(..., description="答复期限最早的在前，至多 100 项")


@router.get(
    "/supervision/queue",
    response=responses(SupervisionQueueOut, read_only=True),
    summary="督办待办（乡镇）：待回复督办、未处理预警、待整改问题、待办投诉举报",
)
def queue(request: AuthenticatedHttpRequest):
    """What the page 督办待办 shows. Full lists: `/supervision/matters?status=open&overdue=true`,
    `/supervision/alerts?status=open`, `/supervision/findings?status=open`, `/supervision/complaints`."""
    authz.require(request.user, Perm.WARNING_HANDLE)
    counts = selectors.queue_counts(request.user)
    today = clock.today()
    latest = MatterStep.objects.filter(matter=OuterRef("pk")).order_by("-id")
    matters = list(
        counts["matters"]
        .annotate(current_due=Subquery(latest.values("due_on")[:1]))
        .order_by("current_due", "opened_on", "id")[:QUEUE_LIMIT]
    )
    current: dict[int, MatterStep] = {}
    for step in MatterStep.objects.filter(matter__in=matters).order_by("matter_id", "-id"):
        current.setdefault(step.matter_id, step)
    items = []
    for m in matters:
        step = current[m.pk]
        items.append(
            {
                "id": m.pk,
                "township_code": m.township_code,
                "title": m.title,
                "level": m.level,
                "status": m.status,
                "opened_on": m.opened_on,
                "step_id": step.pk,
                "issued_on": step.issued_on,
                "due_on": step.due_on,
                "overdue": step.answered_on is None and step.overdue_on(today),
                "version": m.version,
            }
        )
    handles_complaints = counts["complaints"] is not None
    return {
        "today": today,
        "matter_count": counts["matters"].count(),
        "overdue_count": counts["overdue"],
        "matters": items,
        "alert_count": counts["alerts"].count(),
        "alerts": list(counts["alerts"].order_by("first_seen_at", "id")[:QUEUE_LIMIT]),
        "finding_count": counts["findings"].count(),
        "findings": list(counts["findings"].order_by("found_on", "id")[:QUEUE_LIMIT]),
        "complaint_count": counts["complaints"].count() if handles_complaints else None,
        "complaints": list(counts["complaints"].order_by("reply_due_on", "id")[:QUEUE_LIMIT])
        if handles_complaints
        else [],
    }
