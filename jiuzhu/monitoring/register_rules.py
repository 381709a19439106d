"""The repeated-need warning as a supervision rule (S6, set-based SQL): within 民政, the same household was
given temporary aid (支出型 or 急难型) twice within the period (`monitoring.same_need_days`, per township).
Across departments the same check reads the household's chain (`chain.repeated_needs`)."""

from __future__ import annotations

from django.conf import settings

from jiuzhu.cases.models_steps import Outcome
from jiuzhu.cases.states import State
from jiuzhu.core.params import Kind, ParamDef
from jiuzhu.core.types import AssistanceType
from jiuzhu.supervision.models import Severity
from jiuzhu.supervision.rules import Dialect, Rule

SAME_NEED_DAYS = "monitoring.same_need_days"

PARAMS = (
    ParamDef(
        SAME_NEED_DAYS,
        "同一需求重复救助预警期",
        Kind.INT,
        "天",
        "一户一条救助链",
        "同一家庭在此天数内再次获得同一需求的救助（如两次临时救助）时预警，核实是否重复救助",
        1,
        1095,
        "动态监测",
    ),
)
DEFAULTS = [{"key": SAME_NEED_DAYS, "effective_from": "2019-01-01", "value": 365, "source": "产品默认"}]

_TEMPORARY = (
    "('" + "', '".join(sorted((AssistanceType.LINSHI_EXPENSE, AssistanceType.LINSHI_EMERGENCY))) + "')"
)


def _aids(d: Dialect) -> str:
    """Temporary aid given: approved decisions (an emergency aid's registration is its decision) and emergency
    aid paid and not yet registered, each with its day and amount."""
    tz = settings.TIME_ZONE
    paid_on = (
        f"CAST((e.paid_at AT TIME ZONE '{tz}') AS date)" if d.postgres else "date(e.paid_at, '+8 hours')"
    )
    return f"""
      SELECT c.id AS case_id, c.household_id, c.area_code, c.township_code, c.county_code,
        dd.decided_on AS aid_on, dd.amount
      FROM cases_decision dd JOIN cases_case c ON c.id = dd.case_id
      WHERE dd.outcome = '{Outcome.APPROVE}' AND c.status = '{State.APPROVED}' AND c.assistance_type IN {_TEMPORARY}
        AND dd.amount > 0 AND c.area_code LIKE %(prefix)s
      UNION ALL
      SELECT c.id, c.household_id, c.area_code, c.township_code, c.county_code, {paid_on}, e.amount
      FROM cases_emergencyaid e JOIN cases_case c ON c.id = e.case_id
      WHERE c.status = '{State.EMERGENCY_AIDED}' AND c.area_code LIKE %(prefix)s
    """  # noqa: S608


def temporary_aid_twice(d: Dialect) -> str:
    """One warning per later aid: the earlier aid(s) of the household within the period before it."""
    detail = (
        "'本次临时救助 ' || "
        + d.money("MAX(a2.amount)")
        + " || ' 元（' || "
        + d.text("a2.aid_on")
        + " || '），此前 ' || "
        + d.text("COUNT(*)")
        + " || ' 次，最近一次 ' || "
        + d.text("MAX(a1.aid_on)")
        + " || '，同一需求在 ' || "
        + d.text("CAST(MAX(w.value) AS INTEGER)")
        + " || ' 天内重复救助，请核实'"
    )
    since = d.days_before("a2.aid_on", "w.value")
    return f"""
      SELECT 'n' || {d.text("a2.case_id")} AS subject_key, a2.area_code, a2.township_code, a2.county_code,
        a2.case_id, a2.household_id, {detail} AS detail
      FROM ({_aids(d)}) a2
      JOIN supervision_scanparam w ON w.scan_id = %(scan)s AND w.township_code = a2.township_code
        AND w.key = '{SAME_NEED_DAYS}'
      JOIN ({_aids(d)}) a1 ON a1.household_id = a2.household_id AND a1.case_id <> a2.case_id
        AND (a1.aid_on < a2.aid_on OR (a1.aid_on = a2.aid_on AND a1.case_id < a2.case_id))
        AND a1.aid_on >= {since}
      GROUP BY a2.case_id, a2.area_code, a2.township_code, a2.county_code, a2.household_id, a2.aid_on
    """  # noqa: S608


RULE = Rule(
    "temporary_aid_twice",
    "同一需求重复临时救助",
    "一户一条救助链、S6",
    Severity.MAJOR,
    "同一家庭在预警期内两次获得临时救助（支出型或急难型），核实是否为同一需求重复救助",
    temporary_aid_twice,
)
