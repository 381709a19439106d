"""The county of `warnings_scan.generate` for SQLite (no generate_series, arrays or md5 there): households of
two adult members in the villages of 尖山区, one income item each; for 30 % of them a 低保 case — 200 per 1000
approved with a decision and an enrolment, 100 per 1000 open and accepted within the last 37 days with a home
visit — and every 1000th household an open temporary-aid application. Set-based (`WITH RECURSIVE`), so 10^5
households take seconds."""

from __future__ import annotations

import time

from django.db import connection

from jiuzhu.core import clock
from jiuzhu.orgs.models import Jurisdiction, Level, User

SERIES = "WITH RECURSIVE s(g) AS (SELECT %(first)s UNION ALL SELECT g + 1 FROM s WHERE g < %(last)s)"


def _sql(cursor, label: str, sql: str, params: dict) -> None:
    t0 = time.perf_counter()
    cursor.execute(sql, params)
    print(f"  {label}: {cursor.rowcount:,} rows in {time.perf_counter() - t0:.1f}s", flush=True)


def generate(n: int, *, first: int = 1) -> None:
    """`n` households numbered from `first` (WB<first> …), so that a second call adds more."""
    villages = list(
        Jurisdiction.objects.filter(level=Level.VILLAGE, code__startswith="230502")
        .order_by("code")
        .values_list("code", flat=True)
    )
    today = clock.today()
    args = {
        "n": n,
        "first": first,
        "last": first + n - 1,
        "v": len(villages),
        "user": User.objects.get(username="js_bureau").pk,
        "now": clock.now().strftime("%Y-%m-%d %H:%M:%S"),
        "today": today.isoformat(),
    }
    with connection.cursor() as c:
        c.execute("CREATE TEMP TABLE IF NOT EXISTS bench_village (i INTEGER PRIMARY KEY, code TEXT)")
        c.execute("DELETE FROM bench_village")
        c.executemany("INSERT INTO bench_village VALUES (%s, %s)", list(enumerate(villages)))
        for table, column in (("registry_household", "h0"), ("registry_member", "m0"), ("cases_case", "c0")):
            c.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            args[column] = c.fetchone()[0]
        village = "JOIN bench_village v ON v.i = s.g %% %(v)s"
        _sql(
            c,
            "households",
            f"""{SERIES}
            INSERT INTO registry_household (id, area_code, address, urban_rural, hukou_area_code, hukou_address, phone,
              head_name, head_id_masked, external_key, is_active, version, created_at, updated_at)
            SELECT %(h0)s + g, v.code, '测试地址' || g, 'rural', '', '', '', '户主' || g, '', 'WB' || g, 1, 1,
              %(now)s, %(now)s
            FROM s {village}""",
            args,
        )
        _sql(
            c,
            "members",
            f"""{SERIES}, k(k) AS (VALUES (0), (1))
            INSERT INTO registry_member (id, household_id, area_code, name, id_cipher, id_index, id_masked, birth_date,
              sex, relation, hukou_area_code, disability, work_ability, serious_illness, illness_note, schooling,
              employment, covered, covered_note, is_active, left_reason, created_at, updated_at, duplicate_before_rule)
            SELECT %(m0)s + 2 * g - 1 + k, %(h0)s + g, v.code, CASE k WHEN 0 THEN '户主' ELSE '配偶' END || g, 'x',
              'p' || g || '-' || k, '2305**********' || substr('0000' || (g %% 10000), -4),
              date('1970-01-01', '+' || (g %% 3000) || ' days'), 'M', CASE k WHEN 0 THEN 'head' ELSE 'spouse' END,
              '', '', 'full', 0, '', '', 'none', 1, '', 1, '', %(now)s, %(now)s, 0
            FROM s CROSS JOIN k {village}""",
            args,
        )
        _sql(
            c,
            "income items",
            f"""{SERIES}
            INSERT INTO registry_incomeitem (household_id, member_id, category, description, monthly_amount, excluded,
              excluded_reason, created_at)
            SELECT %(h0)s + g, %(m0)s + 2 * g - 1, 'wage', '务工', 300 + g %% 500, 0, '', %(now)s FROM s""",
            args,
        )
        _sql(
            c,
            "cases",
            f"""{SERIES}
            INSERT INTO cases_case (id, number, assistance_type, household_id, applicant_id, area_code, township_code,
              county_code, channel, applied_on, reason, status, profile, version, has_near_relative, disputed,
              disputed_reason, created_at, updated_at)
            SELECT %(c0)s + g, 'WB' || g, 'dibao_rural', %(h0)s + g, %(m0)s + 2 * g - 1, v.code,
              substr(v.code, 1, 9) || '000', '230502000000', 'counter',
              CASE WHEN g %% 10 = 2 THEN date(%(today)s, '-' || (g %% 37 + 1) || ' days')
                   ELSE date('2025-01-02', '+' || (g %% 300) || ' days') END,
              '因病致贫', CASE WHEN g %% 10 = 2 THEN 'investigated' ELSE 'approved' END, 'jianshan', 1, 0, 0, '',
              %(now)s, %(now)s
            FROM s {village} WHERE g %% 10 < 3""",
            args,
        )
        _sql(
            c,
            "extra open cases",
            f"""{SERIES}
            INSERT INTO cases_case (id, number, assistance_type, household_id, applicant_id, area_code, township_code,
              county_code, channel, applied_on, reason, requested_amount, status, profile, version, has_near_relative,
              disputed, disputed_reason, created_at, updated_at)
            SELECT %(c0)s + %(n)s + g, 'WBX' || g, 'linshi_expense', %(h0)s + g, %(m0)s + 2 * g - 1, v.code,
              substr(v.code, 1, 9) || '000', '230502000000', 'counter', date(%(today)s, '-2 days'), '医疗支出', 800,
              'submitted', 'jianshan', 1, 0, 0, '', %(now)s, %(now)s
            FROM s {village} WHERE g %% 1000 = 2""",
            args,
        )
        _sql(
            c,
            "acceptance steps",
            """INSERT INTO cases_casestep (case_id, kind, "on", note, created_at)
            SELECT id, 'accept', applied_on, '', %(now)s FROM cases_case
            WHERE number LIKE 'WB%%' AND status <> 'submitted' AND id > %(c0)s""",
            args,
        )
        _sql(
            c,
            "home visits",
            """INSERT INTO cases_investigation (case_id, visited_on, village_helper, home_visit,
              neighbour_interviews, letters, conclusion, investigators_signed, applicant_signed, created_by_id,
              created_at)
            SELECT id, date(applied_on, '+3 days'), '', '属实', '', '', '属实', 1, 1, %(user)s, %(now)s
            FROM cases_case WHERE number LIKE 'WB%%' AND status <> 'submitted' AND id > %(c0)s""",
            args,
        )
        _sql(
            c,
            "decisions",
            """INSERT INTO cases_decision (case_id, outcome, decided_on, route, authority_name, handling_unit_name,
              amount, covered_members, covered_member_ids, start_month, reasons, basis, created_at, low_income_category)
            SELECT c.id, 'approve', date(c.applied_on, '+25 days'), 'township', '尖山区民政局', '',
              (520 - ROUND(i.monthly_amount / 2.0, 2)) * 2, 2, '[]',
              date(c.applied_on, '+25 days', 'start of month', '+1 month'), '', '', %(now)s, ''
            FROM cases_case c JOIN registry_incomeitem i ON i.household_id = c.household_id
            WHERE c.number LIKE 'WB%%' AND c.status = 'approved' AND c.id > %(c0)s""",
            args,
        )
        _sql(
            c,
            "enrolments",
            """INSERT INTO benefits_enrolment (case_id, household_id, assistance_type, area_code, township_code,
              county_code, status, start_month, amount, covered_members, covered_member_ids, basis, selfcare_level,
              care_form, bank_name, account_holder, account_cipher, account_index, account_masked, next_review_on,
              version, created_at, updated_at)
            SELECT c.id, c.household_id, c.assistance_type, c.area_code, c.township_code, c.county_code, 'active',
              d.start_month, d.amount, 2, '[]', '', '', '', '农村信用社', '户主', 'x', 'acct' || c.household_id,
              '6217 **** **** 0000', date(%(today)s, '+100 days'), 1, %(now)s, %(now)s
            FROM cases_case c JOIN cases_decision d ON d.case_id = c.id
            WHERE c.number LIKE 'WB%%' AND c.status = 'approved' AND c.id > %(c0)s""",
            args,
        )
        c.execute("ANALYZE")
