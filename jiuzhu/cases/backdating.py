"""补录: how far back a step may be dated (a policy parameter, in working days) and the approved request that
lets a step go further back. `workflow.step` asks here for every dated move, so no service can bypass it."""

from __future__ import annotations

from datetime import date

from jiuzhu.cases.models import Case
from jiuzhu.cases.models_backfill import BackfillRequest, BackfillStatus
from jiuzhu.cases.selectors import last_step_on
from jiuzhu.core import clock, params, workdays
from jiuzhu.core.errors import ValidationFailed

# The form field that holds the date of each dated move, so that the refusal shows next to it.
DATE_FIELD = {
    "accept": "accepted_on",
    "verify_result": "completed_on",
    "pre_verify_result": "completed_on",
    "investigate": "visited_on",
    "review": "held_on",
    "decide": "held_on",
    "township_review": "held_on",
    "bureau_decide": "held_on",
    "post_notice": "start_on",
    "object": "received_on",
    "resolve_objection": "handled_on",
    "emergency_aid": "paid_at",
    "emergency_register": "registered_on",
}


# The moves that carry a date (a notice of missing materials and a refusal are dated by the system).
DATED_ACTIONS = [
    "accept",
    "pre_verify_request",
    "pre_verify_result",
    "verify_request",
    "verify_result",
    "investigate",
    "review",
    "decide",
    "township_review",
    "bureau_decide",
    "return_to_township",
    "file_with_bureau",
    "post_notice",
    "object",
    "resolve_objection",
    "finalize",
    "emergency_aid",
    "emergency_register",
    "withdraw",
]


def limit_days(case: Case, today: date) -> int:
    return params.get("steps.backdate_working_days", area_code=case.township_code, on=today)


def earliest_without_request(case: Case, today: date | None = None) -> date:
    """The earliest date a step may carry without a 补录 request: N working days before today."""
    today = today or clock.today()
    n = limit_days(case, today)
    day = today
    counted = 0
    # Walk back day by day: workdays counts forward only, and N is small.
    while counted < n:
        day = date.fromordinal(day.toordinal() - 1)
        if workdays.day_info(day).workday:
            counted += 1
    return day


def needs_request(case: Case, on: date) -> bool:
    return on < earliest_without_request(case)


def approved_request(case: Case, action: str, on: date) -> BackfillRequest | None:
    return (
        BackfillRequest.objects.filter(case=case, action=action, step_on=on, status=BackfillStatus.APPROVED)
        .order_by("decided_at", "id")
        .first()
    )


def backfill_for(case: Case, action: str, on: date | None) -> BackfillRequest | None:
    """None when `on` lies within the limit; the approved request when there is one; else a refusal that
    says the limit and what to do."""
    if on is None or not needs_request(case, on):
        return None
    if on < (last_step_on(case) or case.applied_on):
        return None  # before the previous step: the service refuses it for that, which says more

    request = approved_request(case, action, on)
    if request is not None:
        return request
    earliest = earliest_without_request(case)
    n = limit_days(case, clock.today())
    field = DATE_FIELD.get(action, "on")
    raise ValidationFailed(
        f"日期 {on:%Y-%m-%d} 超过补录期限：办理环节最多可登记 {n} 个工作日以内的日期（{earliest:%Y-%m-%d} 起）。"
        "更早的日期须先在本案“补录申请”中说明原因，经民政局批准后再登记",
        field_errors={field: f"早于 {earliest:%Y-%m-%d}，须经民政局批准补录"},
        code="backfill_required",
    )
