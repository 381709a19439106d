"""The statutory time limit (P7): acceptance → decision within N working days, verification time excluded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jiuzhu.core import clock, params, workdays
from jiuzhu.core.types import TIME_LIMITED_TYPES


@dataclass(frozen=True)
class Deadline:
    limit: int
    used: int
    paused: int
    accepted_on: date
    due_on: date
    stopped_on: date | None  # the decision date, when the clock has stopped
    provisional: bool
    warn_at: int

    @property
    def left(self) -> int:
        return self.limit - self.used

    @property
    def overdue(self) -> bool:
        return self.used > self.limit

    @property
    def warning(self) -> bool:
        return not self.overdue and self.stopped_on is None and self.left <= self.warn_at


def _accepted_on(case) -> date | None:
    from jiuzhu.cases.models_steps import CaseStep, StepKind

    step = CaseStep.objects.filter(case=case, kind=StepKind.ACCEPT).order_by("on").first()
    return step.on if step else None


def _decided_on(case) -> date | None:
    """The clock stops at the decision: the township's decision meeting or the bureau's decision."""
    from jiuzhu.cases.models_steps import DecisionMeeting, MeetingLevel

    meeting = (
        DecisionMeeting.objects.filter(
            case=case, level__in=[MeetingLevel.TOWNSHIP_DECISION, MeetingLevel.BUREAU_DECISION]
        )
        .order_by("held_on")
        .first()
    )
    return meeting.held_on if meeting else None


def deadline_of(case, *, today: date | None = None) -> Deadline | None:
    if case.assistance_type not in TIME_LIMITED_TYPES:
        return None
    accepted = _accepted_on(case)
    if accepted is None:
        return None
    from jiuzhu.cases.models_steps import Verification

    today = today or clock.today()
    stopped = _decided_on(case)
    end = stopped or today
    limit = params.get("deadline.working_days", area_code=case.township_code, on=accepted)
    warn_at = params.get("deadline.warning_days_left", area_code=case.township_code, on=accepted)
    counted = workdays.working_days_between(accepted, end)
    paused = 0
    provisional = counted.provisional
    for v in Verification.objects.filter(case=case, before_application=False):
        pause_end = min(v.completed_on or end, end)
        if pause_end > v.requested_on:
            p = workdays.working_days_between(v.requested_on, pause_end)
            paused += p.days
            provisional |= p.provisional
    due = workdays.add_working_days(accepted, limit + paused)
    return Deadline(
        limit=limit,
        used=max(counted.days - paused, 0),
        paused=paused,
        accepted_on=accepted,
        due_on=due.date,
        stopped_on=stopped,
        provisional=provisional or due.provisional,
        warn_at=warn_at,
    )
