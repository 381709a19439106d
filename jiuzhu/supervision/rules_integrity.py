"""Warning rules on the integrity of dates and paperwork: steps dated back through 补录 (listed per township
for the bureau's review) and emergency aid whose registration is overdue (P8). Registered from `apps.py`."""

from __future__ import annotations

from jiuzhu.cases.models_steps import StepKind
from jiuzhu.cases.states import State
from jiuzhu.supervision.models import Severity
from jiuzhu.supervision.rules import Dialect, Rule, _case_columns, register


def backfilled_steps(d: Dialect) -> str:
    """补录: a step dated further back than the limit, entered through an approved request, within the last
    N days (parameter) of its entry. One warning per step."""
    kind = "CASE s.kind " + " ".join(f"WHEN '{k}' THEN '{label}'" for k, label in StepKind.choices) + " END"
    detail = (
        f"'补录' || {kind} || '，日期 ' || " + d.text('s."on"') + " || '，经民政局批准；原因：' || b.reason"
    )
    since = d.days_before("%(today)s", "w.value")
    return f"""
      {_case_columns("'s' || " + d.text("s.id"), detail)}
      FROM cases_casestep s
      JOIN cases_backfillrequest b ON b.id = s.backfill_id
      JOIN cases_case c ON c.id = s.case_id
      JOIN supervision_scanparam w ON w.scan_id = %(scan)s AND w.township_code = c.township_code
        AND w.key = 'supervision.backfill_watch_days'
      WHERE c.area_code LIKE %(prefix)s AND b.used_at >= {since}
    """


def emergency_registration_overdue(d: Dialect) -> str:
    """P8: aid was paid first, and the registration with its paperwork is past its working-day limit."""
    detail = "'先行救助后应于 ' || " + d.text("e.register_due_on") + " || ' 前补办登记，至今未登记'"
    return f"""
      {_case_columns("'c' || " + d.text("c.id"), detail)}
      FROM cases_emergencyaid e
      JOIN cases_case c ON c.id = e.case_id
      WHERE c.status = '{State.EMERGENCY_AIDED}' AND e.registered_on IS NULL
        AND e.register_due_on < %(today)s AND c.area_code LIKE %(prefix)s
    """


def register_rules() -> None:
    register(
        Rule(
            "backfilled_step",
            "办理环节补录",
            "补录、S6",
            Severity.MINOR,
            "办理环节的日期早于补录期限，经民政局批准补录；按乡镇（街道）列出，供复核",
            backfilled_steps,
            data_quality=False,
            fixable=False,
        ),
        Rule(
            "emergency_registration_overdue",
            "急难救助逾期未补办登记",
            "P8、S6",
            Severity.MAJOR,
            "先行救助后超过补办登记时限，材料、签署和登记仍未补齐",
            emergency_registration_overdue,
        ),
    )
