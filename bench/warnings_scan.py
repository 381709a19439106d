"""Issue 6: the full warning scan (S6) over 1 000 000 households on PostgreSQL; target under 60 seconds.

The data set is generated set-based with `INSERT … SELECT generate_series` (not through the services):
households of two adult members in the villages of 尖山区, one income item each, and for 30 % of them a
case — 200 000 approved 低保 decisions with their enrolments and 100 000 open applications, with acceptance
steps, materials, signatures and home visits — seeded with a few problems of every kind so that each rule has work to do.
Then the whole scan runs twice (first: every warning is new; second: every warning is updated), and the
figures are printed with their ratio to the target. `BENCH_HOUSEHOLDS` changes the size.
"""

from __future__ import annotations

import os
import time

from django.db import connection

from jiuzhu.cases.models import MaterialRequirement
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.registry.models import Household
from jiuzhu.supervision import scan
from jiuzhu.supervision.models import Alert, ScanTrigger

HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "1000000"))
TARGET = 60.0
NOW = "now()"


def _sql(cursor, label: str, sql: str, params=None) -> None:
    t0 = time.perf_counter()
    cursor.execute(sql, params or {})
    print(f"  {label}: {cursor.rowcount:,} rows in {time.perf_counter() - t0:.1f}s", flush=True)


def generate(n: int) -> None:
    villages = list(
        Jurisdiction.objects.filter(level=Level.VILLAGE, code__startswith="230502")
        .order_by("code")
        .values_list("code", flat=True)
    )
    user_id = User.objects.get(username="js_bureau").pk
    requirements = list(
        MaterialRequirement.objects.filter(
            assistance_type__in=["dibao_rural", "dibao_urban"],
            scope_code="",
            required=True,
            shared=False,
            is_active=True,
        ).values_list("id", "assistance_type", "per_member")
    )
    args = {"n": n, "villages": villages, "v": len(villages), "user": user_id}
    with connection.cursor() as c:
        c.execute("SELECT COALESCE(MAX(id), 0) FROM registry_household")
        h0 = c.fetchone()[0]
        c.execute("SELECT COALESCE(MAX(id), 0) FROM registry_member")
        m0 = c.fetchone()[0]
        c.execute("SELECT COALESCE(MAX(id), 0) FROM cases_case")
        c0 = c.fetchone()[0]
        args |= {"h0": h0, "m0": m0, "c0": c0}
        village = "(%(villages)s::text[])[1 + g %% %(v)s]"
        _sql(
            c,
            "households",
            f"""
            INSERT INTO registry_household (id, area_code, address, urban_rural, hukou_area_code, hukou_address, phone,
              head_name, head_id_masked, external_key, is_active, version, created_at, updated_at)
            SELECT %(h0)s + g, {village}, '测试地址' || g, 'rural', '', '', '', '户主' || g, '', 'WB' || g, true, 1, {NOW}, {NOW}
            FROM generate_series(1, %(n)s) g""",
            args,
        )
        # Members: member 2g-1 is the head, 2g the spouse. Every 1000th spouse is also the head of the previous
        # household (the same person in two households), marked as data from before the one-household rule.
        _sql(
            c,
            "members",
            f"""
            INSERT INTO registry_member (id, household_id, area_code, name, id_cipher, id_index, id_masked, birth_date, sex,
              relation, hukou_area_code, disability, work_ability, serious_illness, illness_note, schooling, employment,
              covered, covered_note, is_active, left_reason, created_at, updated_at, duplicate_before_rule)
            SELECT %(m0)s + 2 * g - 1 + k, %(h0)s + g, {village}, CASE k WHEN 0 THEN '户主' ELSE '配偶' END || g, 'x',
              md5('p' || CASE WHEN k = 1 AND g %% 1000 = 0 THEN (g - 1) || '-0' ELSE g || '-' || k END),
              '2305**********' || lpad((g %% 10000)::text, 4, '0'), DATE '1970-01-01' + (g %% 3000), 'M',
              CASE k WHEN 0 THEN 'head' ELSE 'spouse' END, '', '', 'full', false, '', '', 'none', true, '', true, '', {NOW}, {NOW},
              k = 1 AND g %% 1000 = 0
            FROM generate_series(1, %(n)s) g CROSS JOIN generate_series(0, 1) k""",
            args,
        )
        _sql(
            c,
            "income items",
            f"""
            INSERT INTO registry_incomeitem (household_id, member_id, category, description, monthly_amount, excluded,
              excluded_reason, created_at)
            SELECT %(h0)s + g, %(m0)s + 2 * g - 1, 'wage', '务工',
              CASE WHEN g %% 997 = 0 THEN 1200 ELSE 300 + g %% 500 END, false, '', {NOW}
            FROM generate_series(1, %(n)s) g""",
            args,
        )
        # Cases: g % 10 in (0, 1) approved 低保 (one in a hundred with a wrong amount); g % 10 = 2 open, accepted
        # within the last 30 days; every 1000th household with an extra open temporary-aid case.
        _sql(
            c,
            "cases",
            f"""
            INSERT INTO cases_case (id, number, assistance_type, household_id, applicant_id, area_code, township_code,
              county_code, channel, applied_on, reason, status, profile, version, has_near_relative, disputed,
              disputed_reason, created_at, updated_at)
            SELECT %(c0)s + g, 'WB' || g, 'dibao_rural', %(h0)s + g, %(m0)s + 2 * g - 1, {village},
              substr({village}, 1, 9) || '000', '230502000000', 'counter',
              CASE WHEN g %% 10 = 2 THEN CURRENT_DATE - (g %% 37) - 1 ELSE DATE '2025-01-02' + (g %% 300) END,
              '因病致贫', CASE WHEN g %% 10 = 2 THEN 'investigated' ELSE 'approved' END, 'jianshan', 1, false, false, '',
              {NOW}, {NOW}
            FROM generate_series(1, %(n)s) g WHERE g %% 10 < 3""",
            args,
        )
        _sql(
            c,
            "extra open cases",
            f"""
            INSERT INTO cases_case (id, number, assistance_type, household_id, applicant_id, area_code, township_code,
              county_code, channel, applied_on, reason, requested_amount, status, profile, version, has_near_relative,
              disputed, disputed_reason, created_at, updated_at)
            SELECT %(c0)s + %(n)s + g, 'WBX' || g, 'linshi_expense', %(h0)s + g, %(m0)s + 2 * g - 1, {village},
              substr({village}, 1, 9) || '000', '230502000000', 'counter', CURRENT_DATE - 2, '医疗支出', 800,
              'submitted', 'jianshan', 1, false, false, '', {NOW}, {NOW}
            FROM generate_series(1, %(n)s) g WHERE g %% 1000 = 2""",
            args,
        )
        _sql(
            c,
            "acceptance steps",
            """
            INSERT INTO cases_casestep (case_id, kind, "on", note, created_at)
            SELECT id, 'accept', applied_on, '', now() FROM cases_case WHERE number LIKE 'WB%%' AND status <> 'submitted'""",
        )
        _sql(
            c,
            "home visits",
            """
            INSERT INTO cases_investigation (case_id, visited_on, village_helper, home_visit, neighbour_interviews, letters,
              conclusion, investigators_signed, applicant_signed, created_by_id, created_at)
            SELECT id, applied_on + 3, '', '属实', '', '', '属实', true, true, %(user)s, now()
            FROM cases_case WHERE number LIKE 'WB%%' AND status <> 'submitted' AND (status = 'approved' OR id %% 7 <> 0)""",
            args,
        )
        _sql(
            c,
            "decisions",
            """
            INSERT INTO cases_decision (case_id, outcome, decided_on, route, authority_name, handling_unit_name, amount,
              covered_members, covered_member_ids, start_month, reasons, basis, created_at, low_income_category)
            SELECT c.id, 'approve', c.applied_on + 25, 'township', '尖山区民政局', '',
              (520 - ROUND(i.monthly_amount / 2.0, 2)) * 2 + CASE WHEN c.id %% 97 = 0 THEN 10 ELSE 0 END, 2, '[]',
              CAST(date_trunc('month', c.applied_on + 25) + INTERVAL '1 month' AS date), '', '', now(), ''
            FROM cases_case c JOIN registry_incomeitem i ON i.household_id = c.household_id
            WHERE c.number LIKE 'WB%%' AND c.status = 'approved'""",
        )
        for req_id, kind, per_member in requirements:
            if kind != "dibao_rural":
                continue
            member = "m.id" if per_member else "NULL"
            join = "JOIN registry_member m ON m.household_id = c.household_id" if per_member else ""
            _sql(
                c,
                f"materials #{req_id}",
                f"""
                INSERT INTO cases_casematerial (case_id, requirement_id, member_id, received_on, note, created_at)
                SELECT c.id, %(req)s, {member}, c.applied_on, '', now() FROM cases_case c {join}
                WHERE c.number LIKE 'WB%%' AND c.status <> 'submitted' AND c.id %% 199 <> 7""",
                {"req": req_id},
            )
        _sql(
            c,
            "signatures",
            """
            INSERT INTO cases_signature (case_id, member_id, kind, signed_on, online, created_at, channel, phone_masked)
            SELECT c.id, m.id, k.kind, c.applied_on, false, now(), '', ''
            FROM cases_case c JOIN registry_member m ON m.household_id = c.household_id
            CROSS JOIN (VALUES ('authorisation'), ('commitment')) k(kind)
            WHERE c.number LIKE 'WB%%' AND c.status <> 'submitted' AND c.id %% 293 <> 11""",
        )
        # Enrolments for the approved cases: every 5000th shares its bank account with the next household,
        # every 50th is past its periodic review; every 2000th household lost a member (deceased) who is
        # still counted in the amount.
        _sql(
            c,
            "enrolments",
            """
            INSERT INTO benefits_enrolment (case_id, household_id, assistance_type, area_code, township_code,
              county_code, status, start_month, amount, covered_members, covered_member_ids, basis, selfcare_level,
              care_form, bank_name, account_holder, account_cipher, account_index, account_masked, next_review_on,
              version, created_at, updated_at)
            SELECT c.id, c.household_id, c.assistance_type, c.area_code, c.township_code, c.county_code, 'active',
              d.start_month, d.amount, 2, '[]', '', '', '', '农村信用社', '户主', 'x',
              md5('acct' || CASE WHEN substr(c.number, 3)::int %% 5000 < 2
                                 THEN 'shared' || (substr(c.number, 3)::int / 10) ELSE c.household_id::text END),
              '6217 **** **** 0000',
              CASE WHEN substr(c.number, 3)::int %% 50 = 0 THEN CURRENT_DATE - 10 ELSE CURRENT_DATE + 100 END, 1, now(), now()
            FROM cases_case c JOIN cases_decision d ON d.case_id = c.id
            WHERE c.number LIKE 'WB%%' AND c.status = 'approved'""",
        )
        _sql(
            c,
            "deceased members",
            """
            UPDATE registry_member m SET is_active = false, left_reason = 'deceased', left_on = CURRENT_DATE - 40
            FROM registry_household h
            WHERE m.household_id = h.id AND h.external_key LIKE 'WB%%' AND m.relation = 'spouse'
              AND substr(h.external_key, 3)::int %% 2000 = 10""",
        )
        _sql(
            c,
            "near relatives",
            """
            INSERT INTO registry_nearrelative (area_code, official_name, official_role, official_unit, relative_name,
              relative_id_cipher, relative_id_index, relative_id_masked, relation, registered_on, is_active,
              deactivate_reason, created_at)
            SELECT '230502200000', '工作人员' || g, 'staff', '安邦乡人民政府', '亲属' || g, 'x', md5('p' || (1000 * g + 1) || '-0'),
              '', '兄弟', DATE '2024-01-01', true, '', now()
            FROM generate_series(1, %(k)s) g""",
            {"k": max(1, n // 1000)},
        )
        for table in (
            "registry_household",
            "registry_member",
            "registry_incomeitem",
            "cases_case",
            "cases_casestep",
            "cases_decision",
            "cases_investigation",
            "cases_casematerial",
            "cases_signature",
            "registry_nearrelative",
            "benefits_enrolment",
        ):
            c.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
            c.execute(f"ANALYZE {table}")


def run() -> None:
    if connection.vendor != "postgresql":
        print("SKIPPED: the warning scan bench runs on PostgreSQL (scripts/with-postgres)")
        return
    if not Household.objects.filter(external_key="WB1").exists():
        print(f"generating {HOUSEHOLDS:,} households (set-based SQL) …", flush=True)
        t0 = time.perf_counter()
        generate(HOUSEHOLDS)
        print(f"data generated in {time.perf_counter() - t0:.1f}s", flush=True)
    figures = []
    for label in ("first scan (all warnings new)", "second scan (all warnings updated)"):
        result = scan.scan(by=None, area_code="", trigger=ScanTrigger.NIGHTLY)
        seconds = result.scan.seconds
        figures.append(seconds)
        print(f"{label}: {seconds:.1f}s (prepare {result.scan.results['prepare_seconds']:.1f}s)")
        for code, r in result.per_rule.items():
            print(
                f"  {code:26s} found {r['found']:>7,}  new {r['new']:>7,}  resolved {r['resolved']:>6,}  {r['seconds']:6.2f}s"
            )
    print(f"open warnings: {Alert.objects.filter(status='open').count():,}")
    worst = max(figures)
    print(
        f"full scan over {HOUSEHOLDS:,} households: {worst:.1f}s (target {TARGET:.0f}s) "
        f"ratio to target: {worst / TARGET:.2f}"
    )
