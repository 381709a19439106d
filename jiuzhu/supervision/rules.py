"""The warning rules (S6): a registry, each rule ONE set-based SQL query over all data in a scope.

A rule's query returns the columns `subject_key, area_code, township_code, county_code, case_id,
household_id, detail`. `subject_key` is stable for the same problem from scan to scan (the scan upserts on
`(rule, subject_key)`). Queries may join the scan's work tables (`supervision_scanworkday`,
`supervision_scanstandard`, `supervision_scanparam`, filled by `scan.prepare`) through `%(scan)s`; they
get `%(prefix)s` (a LIKE pattern of the scope), `%(today)s` and `%(today_ord)s` (today's working-day
ordinal). The SQL runs unchanged on SQLite and PostgreSQL, except the few fragments of `Dialect`.

Adding a rule: write a function `(Dialect) -> str` returning the query and `register(Rule(...))` it.
Rules that need data other apps do not provide yet are registered with `waiting_for` and no query: they
are listed on the rules page and skipped by scans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import connection

from jiuzhu.benefits.models import EnrolmentStatus
from jiuzhu.cases.models_steps import MeetingLevel, Outcome
from jiuzhu.cases.states import OPEN, State
from jiuzhu.core.dates import ADULT_AGE
from jiuzhu.core.types import TIME_LIMITED_TYPES, AssistanceType
from jiuzhu.supervision import rules_income
from jiuzhu.supervision.models import Severity


class Dialect:
    """The vendor-specific fragments (everything else is plain SQL both engines run)."""

    def __init__(self, vendor: str | None = None) -> None:
        self.vendor = vendor or connection.vendor

    @property
    def postgres(self) -> bool:
        return self.vendor == "postgresql"

    def years_before(self, expr: str, years: int) -> str:
        if self.postgres:
            return f"CAST({expr} - INTERVAL '{int(years)} years' AS date)"
        return f"date({expr}, '-{int(years)} years')"

    def month_of(self, expr: str) -> str:
        if self.postgres:
            return f"CAST(date_trunc('month', {expr}) AS date)"
        return f"date({expr}, 'start of month')"

    def money(self, expr: str) -> str:
        """A yuan amount as text with two decimals, for messages."""
        if self.postgres:
            return f"to_char({expr}, 'FM999999999990.00')"
        return f"printf('%%.2f', {expr})"

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS TEXT)"

    def days_before(self, expr: str, days_expr: str) -> str:
        """A date `days_expr` (an integer expression) days before the date `expr`."""
        if self.postgres:
            return f"CAST(CAST({expr} AS date) - CAST({days_expr} AS INTEGER) AS date)"
        return f"date({expr}, '-' || CAST({days_expr} AS INTEGER) || ' days')"


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    rules: str  # DOMAIN rule IDs
    severity: str
    description: str
    query: Callable[[Dialect], str] | None = None
    waiting_for: str = ""  # why the rule cannot run yet (payroll …)
    data_quality: bool = True  # counts toward the problem-data rate (S11)
    # False: the warning reports a fact to review (a step entered through 补录), which handling cannot undo;
    # marking it handled while it is still listed is then no cause for a deduction (S9).
    fixable: bool = True
    # When the query finds a superset by a simpler measure than the product's own (the registered income
    # rather than the counted one), this confirms its rows in Python: given (subject_key, case_id) rows and
    # today, it returns the keys to keep.
    confirm: Callable[[list[tuple[str, int | None]], date], set[str]] | None = None

    @property
    def active(self) -> bool:
        return self.query is not None


RULES: dict[str, Rule] = {}


def register(*rules: Rule) -> None:
    for rule in rules:
        RULES[rule.code] = rule


def label_of(code: str) -> str:
    """A warning's rule name, from the rule code an alert stores (the code itself for a retired rule)."""
    rule = RULES.get(code)
    return rule.label if rule else code


def active_rules() -> list[Rule]:
    return [r for r in RULES.values() if r.active]


def _in(values) -> str:
    """A literal list of our own constant codes (never user input)."""
    return "(" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"


_DEAD = _in({State.WITHDRAWN, State.NOT_ACCEPTED})
_OPEN = _in(OPEN)
_DIBAO = _in({AssistanceType.DIBAO_URBAN, AssistanceType.DIBAO_RURAL})
_TIME_LIMITED = _in(TIME_LIMITED_TYPES)
_DECIDING = _in({MeetingLevel.TOWNSHIP_DECISION, MeetingLevel.BUREAU_DECISION})

# --- shared fragments ---------------------------------------------------------------------------------

# Acceptance date and verification pause (working days) of every accepted case, in the scan's ordinals
# (P7: verification time does not count).
_ACCEPTED = """
  SELECT s.case_id, MIN(s."on") AS accepted_on
  FROM cases_casestep s WHERE s.kind = 'accept' GROUP BY s.case_id
"""
_PAUSED = """
  SELECT v.case_id, SUM(CASE WHEN we.ordinal > wr.ordinal THEN we.ordinal - wr.ordinal ELSE 0 END) AS paused
  FROM cases_verification v
  JOIN supervision_scanworkday wr ON wr.scan_id = %(scan)s AND wr.day = v.requested_on
  JOIN supervision_scanworkday we ON we.scan_id = %(scan)s AND we.day =
    CASE WHEN v.completed_on IS NULL OR v.completed_on > %(today)s THEN %(today)s ELSE v.completed_on END
  WHERE NOT v.before_application
  GROUP BY v.case_id
"""


# The latest approved 低保 decision of each household (one warning per household), with the number of covered
# members and the counted income: a window over the scope's approved decisions, then one grouped join with the
# income items of those households. `joins` adds the standard to compare with.
def _latest_dibao(joins: str) -> str:
    return f"""
  FROM (
    SELECT l.*, SUM(CASE WHEN NOT i.excluded AND (i.member_id IS NULL OR im.is_active) THEN i.monthly_amount ELSE 0 END)
      AS income
    FROM (
      SELECT d.id AS decision_id, d.amount, d.decided_on, d.start_month, c.id AS case_id, c.household_id,
        c.area_code, c.township_code, c.county_code, c.assistance_type,
        COALESCE(NULLIF(d.covered_members, 0), (SELECT COUNT(*) FROM registry_member cm
          WHERE cm.household_id = c.household_id AND cm.is_active AND cm.covered)) AS covered,
        ROW_NUMBER() OVER (PARTITION BY c.household_id ORDER BY d.decided_on DESC, d.id DESC) AS rn
      FROM cases_decision d JOIN cases_case c ON c.id = d.case_id
      WHERE d.outcome = '{Outcome.APPROVE}' AND c.status = '{State.APPROVED}' AND c.assistance_type IN {_DIBAO}
        AND c.area_code LIKE %(prefix)s
    ) l
    JOIN registry_household h ON h.id = l.household_id AND h.is_active
    LEFT JOIN registry_incomeitem i ON i.household_id = l.household_id
    LEFT JOIN registry_member im ON im.id = i.member_id
    WHERE l.rn = 1 AND l.covered > 0
    GROUP BY l.decision_id, l.amount, l.decided_on, l.start_month, l.case_id, l.household_id, l.area_code,
      l.township_code, l.county_code, l.assistance_type, l.covered, l.rn
  ) x
  {joins}
  WHERE x.covered > 0
"""  # noqa: S608


_PER_HEAD = "ROUND(COALESCE(x.income, 0) * 1.0 / x.covered, 2)"


# Columns of a case-level warning from the `_latest_dibao` rows.
def _dibao_columns(detail: str) -> str:
    return (
        f"SELECT 'c' || CAST(x.case_id AS TEXT) AS subject_key, x.area_code, x.township_code, x.county_code, "
        f"x.case_id, x.household_id, {detail} AS detail"
    )


def _case_columns(key: str, detail: str) -> str:
    return (
        f"SELECT {key} AS subject_key, c.area_code, c.township_code, c.county_code, "
        f"c.id AS case_id, c.household_id, {detail} AS detail"
    )


# --- the rules ----------------------------------------------------------------------------------------


def near_relative_unfiled(d: Dialect) -> str:
    """DM2, S3: a member of the applying household is in the near-relative registry and the case has no
    filing record for that relative."""
    detail = (
        "m.name || '是' || nr.official_unit || nr.official_name || '的' || nr.relation"
        " || '，该申请未办理近亲属备案'"
    )
    return f"""
      {_case_columns("'c' || " + d.text("c.id") + " || '-r' || " + d.text("nr.id"), detail)}
      FROM cases_case c
      JOIN registry_member m ON m.household_id = c.household_id AND m.is_active
      JOIN registry_nearrelative nr ON nr.relative_id_index = m.id_index AND nr.is_active
      WHERE c.status NOT IN {_DEAD} AND c.area_code LIKE %(prefix)s
        AND NOT EXISTS (
          SELECT 1 FROM cases_nearrelativefiling f WHERE f.case_id = c.id AND f.relative_id = nr.id)
    """  # noqa: S608


def person_in_two_households(d: Dialect) -> str:
    """S6, A1: the same person (ID blind index) is an active member of two or more active households. One
    warning per household, so each township sees its own."""
    return f"""
      SELECT 'p' || m.id_index || '-h' || {d.text("h.id")} AS subject_key, h.area_code,
        SUBSTR(h.area_code, 1, 9) || '000' AS township_code, SUBSTR(h.area_code, 1, 6) || '000000' AS county_code,
        CAST(NULL AS BIGINT) AS case_id, h.id AS household_id,
        m.name || '（' || m.id_masked || '）同时登记在 ' || {d.text("dup.n")} || ' 个在册家庭中' AS detail
      FROM (
        SELECT mm.id_index, COUNT(*) AS n
        FROM registry_member mm JOIN registry_household hh ON hh.id = mm.household_id AND hh.is_active
        WHERE mm.is_active GROUP BY mm.id_index HAVING COUNT(*) > 1
      ) dup
      JOIN registry_member m ON m.id_index = dup.id_index AND m.is_active
      JOIN registry_household h ON h.id = m.household_id AND h.is_active
      WHERE h.area_code LIKE %(prefix)s
    """  # noqa: S608


def person_in_two_open_cases(d: Dialect) -> str:
    """S6: the same person is a member of households with two or more open cases at once."""
    return f"""
      {
        _case_columns(
            "'p' || m.id_index || '-c' || " + d.text("c.id"),
            "m.name || '（' || m.id_masked || '）同时涉及 ' || " + d.text("dup.n") + " || ' 件在办申请'",
        )
    }
      FROM (
        SELECT mm.id_index, COUNT(DISTINCT cc.id) AS n
        FROM registry_member mm JOIN cases_case cc ON cc.household_id = mm.household_id
        WHERE mm.is_active AND cc.status IN {_OPEN}
        GROUP BY mm.id_index HAVING COUNT(DISTINCT cc.id) > 1
      ) dup
      JOIN registry_member m ON m.id_index = dup.id_index AND m.is_active
      JOIN cases_case c ON c.household_id = m.household_id AND c.status IN {_OPEN}
      WHERE c.area_code LIKE %(prefix)s
    """  # noqa: S608


def dibao_amount_not_differential(d: Dialect) -> str:
    """B1, S4: the approved 低保 amount differs (by more than one fen) from the differential
    (standard in force in the first payment month − counted income per covered member) × covered members."""
    month = f"COALESCE(x.start_month, {d.month_of('x.decided_on')})"
    # standard × n − income: the calculator's exact form (B1), free of per-head rounding.
    differential = "(st.standard * x.covered - COALESCE(x.income, 0))"
    detail = (
        f"'审批金额 ' || {d.money('x.amount')} || ' 元，按标准 ' || {d.money('st.standard')}"
        f" || ' 元、人均收入 ' || {d.money(_PER_HEAD)} || ' 元、保障 ' || {d.text('x.covered')}"
        f" || ' 人计算的差额应为 ' || {d.money(differential)} || ' 元'"
    )
    joins = f"""JOIN supervision_scanstandard st ON st.scan_id = %(scan)s AND st.county_code = x.county_code
        AND st.month = {month} AND st.assistance_type = x.assistance_type"""
    return f"""
      {_dibao_columns(detail)}
      {_latest_dibao(joins)}
        AND x.amount IS NOT NULL AND {differential} > 0 AND ABS(x.amount - {differential}) > 0.015
    """


def income_above_standard(d: Dialect) -> str:
    """B1, S4, DM1: an approved 低保 household whose counted income per covered member is not below this
    month's standard (it should be reviewed and stopped: 应退则退) — unless a stop, 渐退 or termination is
    already decided. Confirmed with the county's income rules (`rules_income`)."""
    detail = f"'人均收入 ' || {d.money(_PER_HEAD)} || ' 元，不低于本月低保标准 ' || {d.money('st.standard')} || ' 元'"
    joins = """JOIN supervision_scanstandard st ON st.scan_id = %(scan)s AND st.county_code = x.county_code
        AND st.month = %(month)s AND st.assistance_type = x.assistance_type"""
    return f"""
      {_dibao_columns(detail)}
      {_latest_dibao(joins)}
        AND {_PER_HEAD} >= st.standard
        AND NOT EXISTS (SELECT 1 FROM benefits_enrolment e WHERE e.case_id = x.case_id
          AND (e.status IN ('{EnrolmentStatus.TERMINATED}', '{EnrolmentStatus.GRADUAL_EXIT}') OR e.end_month IS NOT NULL))
    """  # noqa: S608


def standard_below_guidance(d: Dialect) -> str:
    """S4, B1: a county's 低保 standard in force this month is below the provincial guidance."""
    label = "CASE st.assistance_type WHEN 'dibao_urban' THEN '城市' ELSE '农村' END"
    detail = (
        f"{label} || '低保标准 ' || {d.money('st.standard')} || ' 元/人·月，低于省级指导标准 '"
        f" || {d.money('st.guidance')} || ' 元'"
    )
    return f"""
      SELECT 's' || st.county_code || '-' || st.assistance_type AS subject_key, st.county_code AS area_code,
        '' AS township_code, st.county_code, CAST(NULL AS BIGINT) AS case_id, CAST(NULL AS BIGINT) AS household_id, {detail} AS detail
      FROM supervision_scanstandard st
      WHERE st.scan_id = %(scan)s AND st.month = %(month)s AND st.guidance IS NOT NULL
        AND st.standard < st.guidance AND st.county_code LIKE %(prefix)s
    """  # noqa: S608


def case_past_deadline(d: Dialect) -> str:
    """P7: an open time-limited case, not yet decided, has used more working days than its limit
    (verification time excluded). Working days are exact (the scan's ordinal table); the limit is the
    township's parameter as of today (`deadlines.deadline_of` takes it on the acceptance date: the two
    differ only for cases accepted before a change of the limit)."""
    used = "(%(today_ord)s - wa.ordinal - COALESCE(p.paused, 0))"
    detail = (
        f"'受理于 ' || {d.text('a.accepted_on')} || '，已用 ' || {d.text(used)} || ' 个工作日，时限 '"
        f" || {d.text('CAST(lim.value AS INTEGER)')} || ' 个工作日'"
    )
    return f"""
      {_case_columns("'c' || " + d.text("c.id"), detail)}
      FROM cases_case c
      JOIN ({_ACCEPTED}) a ON a.case_id = c.id
      JOIN supervision_scanworkday wa ON wa.scan_id = %(scan)s AND wa.day = a.accepted_on
      LEFT JOIN ({_PAUSED}) p ON p.case_id = c.id
      JOIN supervision_scanparam lim ON lim.scan_id = %(scan)s AND lim.township_code = c.township_code
        AND lim.key = 'deadline.working_days'
      WHERE c.status IN {_OPEN} AND c.assistance_type IN {_TIME_LIMITED} AND c.area_code LIKE %(prefix)s
        AND NOT EXISTS (SELECT 1 FROM cases_decisionmeeting dm WHERE dm.case_id = c.id AND dm.level IN {_DECIDING})
        AND {used} > lim.value
    """  # noqa: S608


def no_home_visit(d: Dialect) -> str:
    """I1, S3: a case accepted more than N working days ago (parameter; verification time excluded) has no
    home investigation."""
    used = "(%(today_ord)s - wa.ordinal - COALESCE(p.paused, 0))"
    detail = f"'受理于 ' || {d.text('a.accepted_on')} || '，已过 ' || {d.text(used)} || ' 个工作日仍无入户调查记录'"
    return f"""
      {_case_columns("'c' || " + d.text("c.id"), detail)}
      FROM cases_case c
      JOIN ({_ACCEPTED}) a ON a.case_id = c.id
      JOIN supervision_scanworkday wa ON wa.scan_id = %(scan)s AND wa.day = a.accepted_on
      LEFT JOIN ({_PAUSED}) p ON p.case_id = c.id
      JOIN supervision_scanparam lim ON lim.scan_id = %(scan)s AND lim.township_code = c.township_code
        AND lim.key = 'supervision.home_visit_working_days'
      WHERE c.status NOT IN {_DEAD} AND c.area_code LIKE %(prefix)s
        AND NOT EXISTS (SELECT 1 FROM cases_investigation i WHERE i.case_id = c.id)
        AND {used} > lim.value
    """  # noqa: S608


def documents_missing(d: Dialect) -> str:
    """A3, S3: an accepted case lacks required materials (shared items never count) or the signatures of
    its adult members (commitment letter, verification authorisation) — the same list as
    `cases.materials.missing_items`, in one query."""
    applies = """r.assistance_type = c.assistance_type AND r.is_active AND r.required AND NOT r.shared
      AND (r.scope_code = c.county_code OR (r.scope_code = '' AND NOT EXISTS (
        SELECT 1 FROM cases_materialrequirement r2 WHERE r2.assistance_type = r.assistance_type
          AND r2.code = r.code AND r2.scope_code = c.county_code AND r2.is_active)))"""
    accepted = f"""c.status NOT IN {_DEAD} AND c.area_code LIKE %(prefix)s
      AND EXISTS (SELECT 1 FROM cases_casestep s WHERE s.case_id = c.id AND s.kind = 'accept')"""  # noqa: S608
    return f"""
      {_case_columns("'c' || " + d.text("c.id"), "'缺少 ' || " + d.text("x.n") + " || ' 项必需材料或签署'")}
      FROM (
        SELECT y.case_id, COUNT(*) AS n FROM (
          SELECT c.id AS case_id FROM cases_case c
          JOIN cases_materialrequirement r ON {applies} AND NOT r.per_member
          WHERE {accepted}
            AND NOT EXISTS (SELECT 1 FROM cases_casematerial cm WHERE cm.case_id = c.id AND cm.requirement_id = r.id)
          UNION ALL
          SELECT c.id FROM cases_case c
          JOIN cases_materialrequirement r ON {applies} AND r.per_member
          JOIN registry_member m ON m.household_id = c.household_id AND m.is_active
          WHERE {accepted}
            AND NOT EXISTS (SELECT 1 FROM cases_casematerial cm
                            WHERE cm.case_id = c.id AND cm.requirement_id = r.id AND cm.member_id = m.id)
          UNION ALL
          SELECT c.id FROM cases_case c
          JOIN registry_member m ON m.household_id = c.household_id AND m.is_active
            AND m.birth_date <= {d.years_before("c.applied_on", ADULT_AGE)}
          JOIN (SELECT 'authorisation' AS kind UNION ALL SELECT 'commitment') k ON 1 = 1
          WHERE {accepted}
            AND NOT EXISTS (SELECT 1 FROM cases_signature sg
                            WHERE sg.case_id = c.id AND sg.member_id = m.id AND sg.kind = k.kind)
        ) y GROUP BY y.case_id
      ) x
      JOIN cases_case c ON c.id = x.case_id
    """  # noqa: S608


# --- enrolments (benefits app) -------------------------------------------------------------------------

# An enrolment still on the rolls this month (the payroll's own condition is stricter: it also needs the
# start month and a bank account).
_ON_ROLLS = "e.status <> 'terminated' AND (e.end_month IS NULL OR e.end_month >= %(month)s)"


def _enrolment_columns(key: str, detail: str) -> str:
    return (
        f"SELECT {key} AS subject_key, e.area_code, e.township_code, e.county_code, e.case_id, e.household_id, "
        f"{detail} AS detail"
    )


def periodic_review_overdue(d: Dialect) -> str:
    """DM1, S4: a recipient's periodic review date (its interval is a parameter per category) has passed."""
    return f"""
      {_enrolment_columns("'e' || " + d.text("e.id"), "'应于 ' || " + d.text("e.next_review_on") + " || ' 前完成定期核查'")}
      FROM benefits_enrolment e
      WHERE {_ON_ROLLS} AND e.area_code LIKE %(prefix)s AND e.next_review_on < %(today)s
    """


def same_bank_account(d: Dialect) -> str:
    """B3, S6: one bank account (compared by its blind index) receives the benefit of two or more
    households."""
    detail = "'发放账户 ' || e.account_masked || ' 同时用于 ' || " + d.text("dup.n") + " || ' 户'"
    return f"""
      {_enrolment_columns("'a' || " + d.text("e.id"), detail)}
      FROM (
        SELECT e.account_index, COUNT(DISTINCT e.household_id) AS n FROM benefits_enrolment e
        WHERE e.account_index <> '' AND {_ON_ROLLS}
        GROUP BY e.account_index HAVING COUNT(DISTINCT e.household_id) > 1
      ) dup
      JOIN benefits_enrolment e ON e.account_index = dup.account_index AND {_ON_ROLLS}
      WHERE e.area_code LIKE %(prefix)s
    """  # noqa: S608


def deceased_still_paid(d: Dialect) -> str:
    """DM1, S6: a member registered as deceased (a household change or the death-records import) while
    the household is still paid for more people than it has."""
    detail = (
        "m.name || '（' || m.id_masked || '）已于 ' || "
        + d.text("m.left_on")
        + " || ' 死亡，该户仍按 ' || "
        + d.text("e.covered_members")
        + " || ' 人发放'"
    )
    return f"""
      {_enrolment_columns("'d' || " + d.text("e.id") + " || '-m' || " + d.text("m.id"), detail)}
      FROM benefits_enrolment e
      JOIN registry_member m ON m.household_id = e.household_id AND NOT m.is_active AND m.left_reason = 'deceased'
      WHERE {_ON_ROLLS} AND e.area_code LIKE %(prefix)s
        AND e.covered_members > (SELECT COUNT(*) FROM registry_member c
                                 WHERE c.household_id = e.household_id AND c.is_active AND c.covered)
    """  # noqa: S608


def tekun_level_changed(d: Dialect) -> str:
    """B2, S4: a 特困 recipient's self-care level or care form differs from its latest assessment (or it has
    none): levels change only through an assessment."""
    level = "CASE {x} WHEN 'able' THEN '具备' WHEN 'partial' THEN '部分丧失' WHEN 'unable' THEN '完全丧失' ELSE '未评定' END"
    detail = (
        "CASE WHEN la.level IS NULL THEN '没有自理能力评估记录' ELSE '在保等级“' || "
        + level.format(x="e.selfcare_level")
        + " || '”与最近一次评估“' || "
        + level.format(x="la.level")
        + " || '”（或供养形式）不一致' END"
    )
    return f"""
      {_enrolment_columns("'t' || " + d.text("e.id"), detail)}
      FROM benefits_enrolment e
      LEFT JOIN (
        SELECT a.enrolment_id, a.level, a.care_form,
          ROW_NUMBER() OVER (PARTITION BY a.enrolment_id ORDER BY a.assessed_on DESC, a.id DESC) AS rn
        FROM benefits_assessment a WHERE a.enrolment_id IS NOT NULL
      ) la ON la.enrolment_id = e.id AND la.rn = 1
      WHERE e.assistance_type = 'tekun' AND {_ON_ROLLS} AND e.area_code LIKE %(prefix)s
        AND (la.level IS NULL OR la.level <> e.selfcare_level OR la.care_form <> e.care_form)
    """  # noqa: S608


register(
    Rule(
        "near_relative_unfiled",
        "近亲属未备案",
        "DM2、S3",
        Severity.MAJOR,
        "申请家庭成员在近亲属名册中，但该申请没有近亲属备案记录",
        near_relative_unfiled,
    ),
    Rule(
        "person_two_households",
        "同一人登记在多个家庭",
        "A1、S6",
        Severity.MAJOR,
        "同一身份证号的人同时是两个及以上在册家庭的在户成员",
        person_in_two_households,
    ),
    Rule(
        "person_two_open_cases",
        "同一人涉及多件在办申请",
        "S6",
        Severity.MINOR,
        "同一身份证号的人所在家庭同时有两件及以上在办申请",
        person_in_two_open_cases,
    ),
    Rule(
        "dibao_not_differential",
        "低保金额与差额不符",
        "B1、S4",
        Severity.MAJOR,
        "审批的低保金额与（当月低保标准 − 人均计算收入）× 保障人数相差超过 1 分",
        dibao_amount_not_differential,
        confirm=rules_income.confirm_not_differential,
    ),
    Rule(
        "standard_below_guidance",
        "低保标准低于省级指导标准",
        "S4、B1",
        Severity.SERIOUS,
        "县（区）当月执行的城乡低保标准低于省级指导标准",
        standard_below_guidance,
        data_quality=False,
    ),
    Rule(
        "case_past_deadline",
        "超过审批时限",
        "P7",
        Severity.MAJOR,
        "受理后超过审批时限（工作日，核对时间不计入）仍未作出决定",
        case_past_deadline,
        data_quality=False,
    ),
    Rule(
        "no_home_visit",
        "新申请未入户调查",
        "I1、S3",
        Severity.MAJOR,
        "受理超过规定工作日仍无入户调查记录（新申请应 100% 入户）",
        no_home_visit,
    ),
    Rule(
        "documents_missing",
        "必需材料或签署缺失",
        "A3、S3",
        Severity.MINOR,
        "已受理的申请缺少必需材料，或成年家庭成员未签署承诺书、核对授权书",
        documents_missing,
    ),
    Rule(
        "income_above_standard",
        "收入不低于标准仍在保",
        "B1、S4、DM1",
        Severity.MAJOR,
        "已批准低保家庭的人均计算收入不低于本月低保标准，应及时核查停发",
        income_above_standard,
        confirm=rules_income.confirm_above_standard,
    ),
    Rule(
        "periodic_review_overdue",
        "定期核查逾期",
        "DM1、S4",
        Severity.MAJOR,
        "在保对象超过定期核查间隔未核查",
        periodic_review_overdue,
    ),
    Rule(
        "same_bank_account",
        "多个家庭使用同一银行账户",
        "B3、S6",
        Severity.SERIOUS,
        "同一银行账户用于两个及以上家庭的保障金发放",
        same_bank_account,
    ),
    Rule(
        "deceased_still_paid",
        "死亡人员仍在发放",
        "DM1、S6",
        Severity.SERIOUS,
        "家庭成员已登记死亡（含死亡信息导入），该户仍按原保障人数发放",
        deceased_still_paid,
    ),
    Rule(
        "tekun_level_changed",
        "特困等级变更无评估",
        "B2、S4",
        Severity.MAJOR,
        "特困人员在保的自理等级或供养形式与最近一次评估不一致，或没有评估记录",
        tekun_level_changed,
    ),
)
