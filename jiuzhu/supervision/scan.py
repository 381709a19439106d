"""Running the warning rules (S6): on demand for a jurisdiction, and every night for everything.

A scan (1) fills its small work tables — working-day ordinals, standards per county/month, parameters per
township — so that every rule is one query; (2) for each rule, upserts what the query finds on
`(rule, subject_key)` with one `INSERT … SELECT … ON CONFLICT` (new rows open; rows resolved before and
found again are reopened; handled rows stay handled) and resolves, with one UPDATE, the open or handled
warnings of that rule in the scope that the query no longer finds; (3) writes one audit event.

Each rule runs in its own transaction, so townships handling warnings are never blocked for the whole
scan, and progress is visible on the job while it runs.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from jiuzhu.cases.models_steps import CaseStep, Decision, Outcome, StepKind, Verification
from jiuzhu.core import audit, clock, params, workdays
from jiuzhu.core.dates import month_start
from jiuzhu.core.jurisdiction_codes import is_valid_code
from jiuzhu.core.jurisdiction_codes import prefix as code_prefix
from jiuzhu.core.params import MissingParameter
from jiuzhu.core.types import AssistanceType
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision.models import (
    Alert,
    AlertScan,
    AlertStatus,
    ScanExclusion,
    ScanParam,
    ScanStandard,
    ScanTrigger,
    ScanWorkday,
)
from jiuzhu.supervision.rules import RULES, Dialect, Rule, active_rules

DIBAO_KEYS = {
    AssistanceType.DIBAO_URBAN: ("dibao.standard.urban", "dibao.guidance.urban"),
    AssistanceType.DIBAO_RURAL: ("dibao.standard.rural", "dibao.guidance.rural"),
}
TOWNSHIP_KEYS = [
    "deadline.working_days",
    "supervision.home_visit_working_days",
    "supervision.backfill_watch_days",
]


def register_township_key(key: str) -> None:
    """A parameter a rule of an app above reads per township (`supervision_scanparam`), added at start-up."""
    if key not in TOWNSHIP_KEYS:
        TOWNSHIP_KEYS.append(key)


# Memory for the hash joins and aggregates of one rule on PostgreSQL (an operations setting, not policy):
# with the default the aggregates over millions of members and income items spill to disk.
SCAN_WORK_MEM = os.environ.get("JIUZHU_SCAN_WORK_MEM", "256MB")


@dataclass
class ScanResult:
    scan: AlertScan
    per_rule: dict[str, dict] = field(default_factory=dict)

    @property
    def found(self) -> int:
        return sum(r["found"] for r in self.per_rule.values())


def scope_prefix(area_code: str) -> str:
    return code_prefix(area_code) if area_code else ""


# --- work tables --------------------------------------------------------------------------------------


def _counties(prefix: str) -> list[str]:
    """The counties the scope covers (a township's scope covers its county's standards)."""
    return list(
        Jurisdiction.objects.filter(level=Level.COUNTY, code__startswith=prefix[:6]).values_list(
            "code", flat=True
        )
    )


def _fill_workdays(scan: AlertScan, prefix: str, today: date) -> int:
    """Ordinals from the earliest date any rule needs to today: ord(b) − ord(a) = working days in (a, b]."""
    firsts = [
        CaseStep.objects.filter(kind=StepKind.ACCEPT, case__area_code__startswith=prefix)
        .order_by("on")
        .values_list("on", flat=True)
        .first(),
        Verification.objects.filter(before_application=False, case__area_code__startswith=prefix)
        .order_by("requested_on")
        .values_list("requested_on", flat=True)
        .first(),
    ]
    start = min([d for d in firsts if d is not None], default=today)
    start = min(start, today)
    rows = []
    ordinal = 0
    day = start
    while day <= today:
        if day > start and workdays.day_info(day).workday:
            ordinal += 1
        rows.append(ScanWorkday(scan_id=scan.pk, day=day, ordinal=ordinal))
        day += timedelta(days=1)
    ScanWorkday.objects.bulk_create(rows, batch_size=2000)
    return ordinal


def _fill_standards(scan: AlertScan, prefix: str, counties: list[str], today: date) -> None:
    """Standards and guidance per county, month and 低保 type: this month, and every first payment month of
    an approved 低保 decision in scope (B1, S4)."""
    decisions = Decision.objects.filter(
        outcome=Outcome.APPROVE,
        case__assistance_type__in=list(DIBAO_KEYS),
        case__area_code__startswith=prefix,
    )
    months = {month_start(today)}
    months |= {m for m in decisions.values_list("start_month", flat=True).distinct() if m}
    months |= {
        month_start(d)
        for d in decisions.filter(start_month__isnull=True).values_list("decided_on", flat=True).distinct()
    }
    rows = []
    for county in counties:
        for month in sorted(months):
            for kind, (standard_key, guidance_key) in DIBAO_KEYS.items():
                try:
                    standard = params.get(standard_key, area_code=county, on=month)
                except MissingParameter:
                    continue
                try:
                    guidance = params.get(guidance_key, area_code=county, on=month)
                except MissingParameter:
                    guidance = None
                rows.append(
                    ScanStandard(
                        scan_id=scan.pk,
                        county_code=county,
                        month=month,
                        assistance_type=kind,
                        standard=standard,
                        guidance=guidance,
                    )
                )
    ScanStandard.objects.bulk_create(rows, batch_size=2000)


def _fill_params(scan: AlertScan, counties: list[str], today: date) -> None:
    townships = Jurisdiction.objects.filter(level=Level.TOWNSHIP, parent_id__in=counties).values_list(
        "code", flat=True
    )
    rows = []
    for township in townships:
        for key in TOWNSHIP_KEYS:
            try:
                value = params.get(key, area_code=township, on=today)
            except MissingParameter:
                continue
            rows.append(ScanParam(scan_id=scan.pk, township_code=township, key=key, value=Decimal(value)))
    ScanParam.objects.bulk_create(rows, batch_size=2000)


def _cleanup(scan: AlertScan) -> None:
    for model in (ScanWorkday, ScanStandard, ScanParam, ScanExclusion):
        model.objects.filter(scan_id=scan.pk).delete()


# --- one rule -----------------------------------------------------------------------------------------

_UPSERT = """
INSERT INTO supervision_alert (rule, subject_key, area_code, township_code, county_code, case_id,
  household_id, detail, status, first_seen_at, last_seen_at, last_scan_id, reopened_count, handle_note)
SELECT %(rule)s, r.subject_key, r.area_code, r.township_code, r.county_code, r.case_id, r.household_id,
  r.detail, 'open', %(now)s, %(now)s, %(scan)s, 0, ''
FROM ({query}) r WHERE {where}
ON CONFLICT (rule, subject_key) DO UPDATE SET
  last_seen_at = excluded.last_seen_at,
  last_scan_id = excluded.last_scan_id,
  detail = excluded.detail,
  area_code = excluded.area_code,
  township_code = excluded.township_code,
  county_code = excluded.county_code,
  reopened_count = supervision_alert.reopened_count
    + CASE WHEN supervision_alert.status = 'resolved' THEN 1 ELSE 0 END,
  resolved_at = CASE WHEN supervision_alert.status = 'resolved' THEN NULL ELSE supervision_alert.resolved_at END,
  status = CASE WHEN supervision_alert.status = 'resolved' THEN 'open' ELSE supervision_alert.status END
"""


_NOT_EXCLUDED = """NOT EXISTS (SELECT 1 FROM supervision_scanexclusion x
  WHERE x.scan_id = %(scan)s AND x.rule = %(rule)s AND x.subject_key = r.subject_key)"""


def _exclude_unconfirmed(rule: Rule, query: str, *, scan: AlertScan, args: dict, today: date) -> None:
    """Read what the query finds, let the rule confirm it, and set aside for the upsert what it drops."""
    assert rule.confirm is not None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT r.subject_key, r.case_id FROM ({query}) r", args)  # noqa: S608 - our SQL
        rows = [(key, case_id) for key, case_id in cursor.fetchall()]
    kept = rule.confirm(rows, today)
    ScanExclusion.objects.bulk_create(
        [
            ScanExclusion(scan_id=scan.pk, rule=rule.code, subject_key=key)
            for key, _ in rows
            if key not in kept
        ],
        batch_size=2000,
    )


def run_rule(rule: Rule, *, scan: AlertScan, prefix: str, today: date, today_ord: int) -> dict:
    """One rule: one upsert and one resolve, in one transaction."""
    assert rule.query is not None
    now = clock.now()
    args: dict[str, Any] = {
        "rule": rule.code,
        "now": now,
        "scan": scan.pk,
        "prefix": prefix + "%",
        "today": today,
        "today_ord": today_ord,
        "month": month_start(today),
    }
    query = rule.query(Dialect())
    started = time.perf_counter()
    where = "true"
    if rule.confirm is not None:
        _exclude_unconfirmed(rule, query, scan=scan, args=args, today=today)
        where = _NOT_EXCLUDED
    sql = _UPSERT.format(query=query, where=where)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and re.fullmatch(r"\d+(kB|MB|GB)", SCAN_WORK_MEM):
            cursor.execute(f"SET LOCAL work_mem = '{SCAN_WORK_MEM}'")
        cursor.execute(sql, args)
        found = max(cursor.rowcount, 0)
        resolved = (
            Alert.objects.filter(
                rule=rule.code,
                area_code__startswith=prefix,
                status__in=[AlertStatus.OPEN, AlertStatus.HANDLED],
            )
            .exclude(last_scan_id=scan.pk)
            .update(status=AlertStatus.RESOLVED, resolved_at=now)
        )
    new = Alert.objects.filter(rule=rule.code, last_scan_id=scan.pk, first_seen_at=now).count()
    return {
        "found": found,
        "new": new,
        "resolved": resolved,
        "seconds": round(time.perf_counter() - started, 3),
    }


# --- the scan -----------------------------------------------------------------------------------------


def scan(
    *,
    by: User | None = None,
    area_code: str = "",
    trigger: str = ScanTrigger.MANUAL,
    rules: list[str] | None = None,
    job=None,
    progress: Callable[[int, int, str], None] | None = None,
) -> ScanResult:
    """S6: run the active rules over `area_code` and everything below it ('' = all, for the nightly run,
    which has no user). A user needs the supervise permission over the area."""
    if by is not None:
        if not area_code:
            raise ValueError("a user's scan needs an area")
        membership = authz.require(by, Perm.SUPERVISE, area_code)
    else:
        membership = None
    if area_code and not is_valid_code(area_code):
        raise ValueError(f"not a jurisdiction code: {area_code!r}")
    chosen = [RULES[c] for c in rules] if rules else active_rules()
    chosen = [r for r in chosen if r.active]
    today = clock.today()
    prefix = scope_prefix(area_code)
    started = time.perf_counter()
    record = AlertScan.objects.create(
        area_code=area_code, trigger=trigger, started_at=clock.now(), by=by, job=job
    )
    result = ScanResult(record)
    try:
        if progress:
            progress(0, len(chosen), "准备工作日、标准和参数")
        counties = _counties(prefix)
        today_ord = _fill_workdays(record, prefix, today)
        _fill_standards(record, prefix, counties, today)
        _fill_params(record, counties, today)
        prepared = round(time.perf_counter() - started, 3)
        for i, rule in enumerate(chosen):
            if progress:
                progress(i, len(chosen), rule.label)
            result.per_rule[rule.code] = run_rule(
                rule, scan=record, prefix=prefix, today=today, today_ord=today_ord
            )
    finally:
        _cleanup(record)
    record.finished_at = clock.now()
    record.seconds = round(time.perf_counter() - started, 3)
    record.results = {"prepare_seconds": prepared, "rules": result.per_rule}
    with transaction.atomic():
        record.save(update_fields=["finished_at", "seconds", "results"])
        audit.record(
            actor=by,
            membership=membership,
            action="alert.scan",
            obj=record,
            area_code=area_code,
            after={
                code: {k: v for k, v in r.items() if k != "seconds"} for code, r in result.per_rule.items()
            },
        )
    if progress:
        progress(len(chosen), len(chosen), "完成")
    return result
