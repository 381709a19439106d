"""The statutory time limit (P7): acceptance → decision within N working days, verification time excluded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import CaseStep, DecisionMeeting, MeetingLevel, StepKind, Verification
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


@dataclass(frozen=True)
class DeadlineInputs:
    """What a case's deadline is worked out from; with the calendar, the deadline follows without a query."""

    accepted_on: date
    decided_on: date | None  # the clock stops at the township's decision meeting or the bureau's decision
    pauses: tuple[tuple[date, date | None], ...]  # verifications after the application: requested, completed
    limit: int
    warn_at: int


def inputs_for(cases) -> dict[int, DeadlineInputs]:
    """Inputs of the time-limited, accepted cases among `cases`, in a few queries whatever their number."""

    limited = {c.pk: c for c in cases if c.assistance_type in TIME_LIMITED_TYPES}
    accepted: dict[int, date] = {}
    for case_id, on in CaseStep.objects.filter(case_id__in=limited, kind=StepKind.ACCEPT).values_list(
        "case_id", "on"
    ):
        accepted[case_id] = min(on, accepted.get(case_id, on))
    decided: dict[int, date] = {}
    meetings = DecisionMeeting.objects.filter(
        case_id__in=accepted, level__in=[MeetingLevel.TOWNSHIP_DECISION, MeetingLevel.BUREAU_DECISION]
    )
    for case_id, on in meetings.values_list("case_id", "held_on"):
        decided[case_id] = min(on, decided.get(case_id, on))
    pauses: dict[int, list[tuple[date, date | None]]] = {}
    verifications = Verification.objects.filter(case_id__in=accepted, before_application=False).order_by("pk")
    for case_id, requested, completed in verifications.values_list("case_id", "requested_on", "completed_on"):
        pauses.setdefault(case_id, []).append((requested, completed))
    limits: dict[tuple[str, date], tuple[int, int]] = {}
    out = {}
    for case_id, on in accepted.items():
        township = limited[case_id].township_code
        if (township, on) not in limits:
            limits[(township, on)] = (
                params.get("deadline.working_days", area_code=township, on=on),
                params.get("deadline.warning_days_left", area_code=township, on=on),
            )
        limit, warn_at = limits[(township, on)]
        out[case_id] = DeadlineInputs(
            on, decided.get(case_id), tuple(pauses.get(case_id, ())), limit, warn_at
        )
    return out


def deadline_from(inputs: DeadlineInputs, today: date) -> Deadline:
    """The deadline on `today` by the calendar in force (no query)."""
    end = inputs.decided_on or today
    counted = workdays.working_days_between(inputs.accepted_on, end)
    paused = 0
    provisional = counted.provisional
    for requested_on, completed_on in inputs.pauses:
        pause_end = min(completed_on or end, end)
        if pause_end > requested_on:
            p = workdays.working_days_between(requested_on, pause_end)
            paused += p.days
            provisional |= p.provisional
    due = workdays.add_working_days(inputs.accepted_on, inputs.limit + paused)
    return Deadline(
        limit=inputs.limit,
        used=max(counted.days - paused, 0),
        paused=paused,
        accepted_on=inputs.accepted_on,
        due_on=due.date,
        stopped_on=inputs.decided_on,
        provisional=provisional or due.provisional,
        warn_at=inputs.warn_at,
    )


def deadline_of(case: Case, *, today: date | None = None) -> Deadline | None:
    """None for a type without a time limit or a case not accepted yet."""
    inputs = inputs_for([case]).get(case.pk)
    if inputs is None:
        return None
    return deadline_from(inputs, today or clock.today())
