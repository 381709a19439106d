"""What every step of the procedure does alike: its date checked against the calendar and the previous step,
its line on the case's timeline, and the answer to an amount above the township's cap — so each stage's
module holds only its own rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import CaseStep
from jiuzhu.cases.routing import route_for, township_cap
from jiuzhu.cases.selectors import bureau_of, last_step_on
from jiuzhu.core import clock
from jiuzhu.core.dates import ensure_not_before, ensure_not_future
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.problems import Problems
from jiuzhu.orgs.models import User


def dated(on: date, case: Case, label: str, field: str = "on") -> None:
    """Never in the future; never before the previous step."""
    ensure_not_future(on, label, field=field)
    ensure_not_before(on, last_step_on(case) or case.applied_on, label, "上一环节日期", field=field)


def date_ok(problems: Problems, on: date, case: Case, label: str, field: str) -> bool:
    """`dated`, collected with the other problems of the input so that a form shows them all at once.
    False when the date is wrong: rules that depend on the date (parameters in force) are then skipped."""
    before = len(problems.messages)
    with problems.gather(field):
        dated(on, case, label, field)
    return len(problems.messages) == before


def record(case: Case, kind: str, on: date, by: User, note: str = "") -> CaseStep:
    return CaseStep.objects.create(case=case, kind=kind, on=on, by=by, note=note, created_at=clock.now())


def refuse_above_cap(case: Case, day: date, value: Decimal | None, advice: str) -> None:
    """D1 with the temporary-aid cap: an amount above the township's cap is answered next to the amount —
    the cap, who decides above it, and what the township can do instead — rather than with a 403 page."""
    cap = township_cap(case, day)
    if cap is None or value is None or value <= cap or not route_for(case, day, Decimal(0)).delegated:
        return
    bureau = bureau_of(case)
    name = bureau.name if bureau else "县（区）民政局"
    raise ValidationFailed(
        f"金额 {value} 元超过乡镇（街道）审批上限 {cap} 元，超过上限的临时救助由{name}审批：{advice.format(cap=cap)}",
        field_errors={"amount": f"超过乡镇（街道）审批上限 {cap} 元：{cap} 元以上由{name}审批"},
    )
