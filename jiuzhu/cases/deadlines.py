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
    """Inputs of the time-limited, accepted cases among `cases`, in five queries whatever their number."""

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
    wanted = {(limited[case_id].township_code, on) for case_id, on in accepted.items()}
    limits = params.get_many("deadline.working_days", wanted)
    warn_at = params.get_many("deadline.warning_days_left", wanted)
    out = {}
    for case_id, on in accepted.items():
        key = (limited[case_id].township_code, on)
        out[case_id] = DeadlineInputs(
            on, decided.get(case_id), tuple(pauses.get(case_id, ())), limits[key], warn_at[key]
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


# --- P7 as stored on the case --------------------------------------------------------------------------
# The queues and lists select overdue and nearly overdue cases in SQL on three columns of the case, kept by
# every step (`workflow.step`) and by loading a year's holiday arrangement, so that a list costs the same
# whatever the number of open cases (the deadline itself is still worked out for the rows shown).
#
# While the clock runs, with `due` the last working day allowed and X the last working day up to today:
#   overdue  ⇔ due < X   (more working days used than the limit);
#   warning  ⇔ warn_on ≤ X ≤ due, warn_on being the day from which no more than `warn_at` days are left.
# While a verification pauses the clock, the days used stay as they were when it was requested: the state
# on that day is stored instead ("running", "warning" or "overdue").

PAUSED_STATES = ("running", "warning", "overdue")
STORED = ["deadline_due_on", "deadline_warn_on", "deadline_paused", "decided_on", "decision_working_days"]


def stored_fields(inputs: DeadlineInputs | None, today: date) -> dict:
    """The values of the case's stored deadline columns (`STORED`) for these inputs; a decided case keeps when
    the clock stopped and the working days it took (S5)."""
    stopped: dict[str, date | int | None] = {"decided_on": None, "decision_working_days": None}
    if inputs is not None and inputs.decided_on is not None:
        stopped = {
            "decided_on": inputs.decided_on,
            "decision_working_days": workdays.working_days_between(
                inputs.accepted_on, inputs.decided_on
            ).days,
        }
    if inputs is None or inputs.decided_on is not None:
        return {"deadline_due_on": None, "deadline_warn_on": None, "deadline_paused": "", **stopped}
    open_since = [requested for requested, completed in inputs.pauses if completed is None]
    if open_since:
        frozen = deadline_from(inputs, max(open_since))
        state = "overdue" if frozen.overdue else "warning" if frozen.warning else "running"
        return {
            "deadline_due_on": frozen.due_on,
            "deadline_warn_on": None,
            "deadline_paused": state,
            **stopped,
        }
    d = deadline_from(inputs, today)
    warn = workdays.add_working_days(inputs.accepted_on, max(inputs.limit + d.paused - inputs.warn_at, 0))
    return {"deadline_due_on": d.due_on, "deadline_warn_on": warn.date, "deadline_paused": "", **stopped}


def fill(case: Case) -> None:
    """Set the stored deadline of `case` (in memory; the caller saves it) from its steps as written so far."""
    for name, value in stored_fields(inputs_for([case]).get(case.pk), clock.today()).items():
        setattr(case, name, value)


def store(cases) -> int:
    """Work out and write the stored deadline of `cases` (an iterable of cases, e.g. a queryset) in chunks;
    for data written without the services (imports, benchmarks) and after the calendar changed. Cases with
    the same inputs (same township, days and pauses) share one computation and one UPDATE."""
    today = clock.today()
    written = 0
    batch: list[Case] = []

    def flush() -> None:
        nonlocal written
        inputs = inputs_for(batch)
        memo: dict[DeadlineInputs | None, tuple] = {}
        groups: dict[tuple, list[int]] = {}
        for case in batch:
            i = inputs.get(case.pk)
            if i not in memo:
                memo[i] = tuple(stored_fields(i, today).items())
            groups.setdefault(memo[i], []).append(case.pk)
        for fields, ids in groups.items():
            Case.objects.filter(pk__in=ids).update(**dict(fields))
        written += len(batch)
        batch.clear()

    for case in cases:
        batch.append(case)
        if len(batch) == 2000:
            flush()
    if batch:
        flush()
    return written


def last_working_day(today: date) -> date:
    """X above: the last working day up to `today` (today itself on a working day)."""
    day = today
    while not workdays.day_info(day).workday:
        day = date.fromordinal(day.toordinal() - 1)
    return day
