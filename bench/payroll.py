"""Issue 5: a month's ledger and payroll for 1 000 000 households with enrolments on PostgreSQL.

Baseline: the same month computed by one hand-written INSERT … SELECT per table (ledger, then payments)
over the whole county — the database's own limit for writing these rows. The product's path is
`payroll.start` + the task it queues, township by township, with its progress and audit rows. Targets:
ratio ≤ 1.5 and under 60 s on two cores.

Setup writes households, members, cases and enrolments with generate_series (not measured)."""

from __future__ import annotations

import os
import time
from datetime import date

from django.db import connection, models, transaction

from jiuzhu.benefits.models import Enrolment
from jiuzhu.cases.models import Case
from jiuzhu.core import clock
from jiuzhu.core.dates import add_months, month_start
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.payments import payroll, statistics
from jiuzhu.payments.models import LedgerEntry, Payment, PaymentStatus, PayrollRun, RunStatus
from jiuzhu.registry.models import Household, Member

HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "1000000"))
COUNTY = "230502000000"
TARGET_RATIO, TARGET_SECONDS = 1.5, 60.0


def _default_sql(field: models.Field) -> str:
    if field.null:
        return "NULL"
    if isinstance(field, models.BooleanField):
        return "false"
    if isinstance(field, models.JSONField):
        return "'[]'::jsonb" if field.default is list else "'{}'::jsonb"
    if isinstance(field, models.DateTimeField):
        return "now()"
    if isinstance(field, models.DateField):
        return "DATE '2020-01-01'"
    if isinstance(field, models.DecimalField | models.IntegerField | models.FloatField):
        return "0"
    return "''"


def _insert_series(model, n: int, first_id: int, values: dict[str, str]) -> None:
    """INSERT … SELECT FROM generate_series: `values` maps columns to SQL using g (1…n); every other
    column gets a plain default, so the bench follows the models as they change."""
    known = {f.column for f in model._meta.concrete_fields}
    assert set(values) <= known, f"{model.__name__} has no column {set(values) - known}"
    cols, exprs = [], []
    for field in model._meta.concrete_fields:
        cols.append(connection.ops.quote_name(field.column))
        if field.primary_key:
            exprs.append(f"{first_id - 1} + g")
        else:
            exprs.append(values.get(field.column) or _default_sql(field))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) SELECT {', '.join(exprs)} "
        f"FROM generate_series(1, {n}) AS g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "
            f"(SELECT max(id) FROM {model._meta.db_table}))"
        )


def _next_id(model) -> int:
    return (model.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1


def _setup(n: int, month: date) -> None:
    townships = list(
        Jurisdiction.objects.filter(parent_id=COUNTY, level=Level.TOWNSHIP)
        .order_by("code")
        .values_list("code", flat=True)
    )
    k = len(townships)
    arr = "ARRAY[" + ",".join(f"'{t}'" for t in townships) + "]"
    township = f"({arr})[1 + (g % {k})]"
    village = f"left({township}, 9) || lpad((200 + (g / {k}) % 50)::text, 3, '0')"
    h0, m0, c0, e0 = _next_id(Household), _next_id(Member), _next_id(Case), _next_id(Enrolment)
    creator = User.objects.get(username="js_bureau").pk
    t = time.perf_counter()
    _insert_series(
        Household,
        n,
        h0,
        {
            "area_code": village,
            "address": "'测试地址' || g",
            "head_name": "'户主' || g",
            "head_id_masked": "'230502********' || lpad((g % 10000)::text, 4, '0')",
            "is_active": "true",
            "created_by_id": str(creator),
            "external_key": "'P' || g",
            "version": "1",
        },
    )
    _insert_series(
        Member,
        n,
        m0,
        {
            "household_id": f"{h0 - 1} + g",
            "name": "'户主' || g",
            "relation": "'head'",
            "area_code": village,
            "id_cipher": "'x'",
            "id_index": "md5('bench' || g)",
            "id_masked": "'230502********0000'",
            "is_active": "true",
            "covered": "true",
            "birth_date": "DATE '1960-01-01'",
            "sex": "'M'",
        },
    )
    _insert_series(
        Case,
        n,
        c0,
        {
            "number": "'PB' || lpad(g::text, 10, '0')",
            "household_id": f"{h0 - 1} + g",
            "applicant_id": f"{m0 - 1} + g",
            "assistance_type": "'dibao_rural'",
            "area_code": village,
            "township_code": township,
            "county_code": f"'{COUNTY}'",
            "status": "'approved'",
            "created_by_id": str(creator),
            "version": "1",
        },
    )
    _insert_series(
        Enrolment,
        n,
        e0,
        {
            "case_id": f"{c0 - 1} + g",
            "household_id": f"{h0 - 1} + g",
            "assistance_type": "'dibao_rural'",
            "area_code": village,
            "township_code": township,
            "county_code": f"'{COUNTY}'",
            "status": "'active'",
            "start_month": "DATE '2025-01-01'",
            "amount": "(300 + g % 700)::numeric(12,2)",
            "covered_members": "1",
            "basis": "'低保标准 520.00 元 − 人均收入 …'",
            "bank_name": "'农村信用社'",
            "account_holder": "'户主' || g",
            "account_cipher": "'cipher' || g",
            "account_index": "md5('acct' || g)",
            "account_masked": "'6217 **** **** ' || lpad((g % 10000)::text, 4, '0')",
            "version": "1",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"setup: {n:,} households, members, cases and enrolments in {time.perf_counter() - t:.1f}s "
        f"over {k} townships",
        flush=True,
    )


BASELINE_LEDGER = payroll.LEDGER_SQL.replace("AND e.township_code = %(township)s", "")
BASELINE_PAYMENT = payroll.PAYMENT_SQL.replace("AND l.township_code = %(township)s", "")


PAID_SQL = """
UPDATE payments_payment SET status = %(paid)s, paid_amount = amount, reconciled_at = %(now)s
WHERE county_code = %(county)s AND month = %(month)s AND status = %(pending)s
"""


def history(months: int = 12, *, county: str = COUNTY) -> int:
    """The county's closed months before this one (a year by default): for each month a finished run, its
    ledger and its payments, paid. Set-based with the payroll's own SQL over the county, on PostgreSQL and
    SQLite; a month that has a run already is left as it is. Returns the ledger lines written."""
    finance = User.objects.get(username="js_finance")
    this_month = month_start(clock.today())
    townships = len(payroll.townships_of(county))
    written = 0
    for back in range(months, 0, -1):
        month = add_months(this_month, -back)
        if PayrollRun.objects.filter(county_code=county, month=month).exists():
            continue
        t = time.perf_counter()
        now = clock.now()
        with transaction.atomic():
            run = PayrollRun.objects.create(
                county_code=county,
                month=month,
                status=RunStatus.DONE,
                townships_total=townships,
                townships_done=townships,
                by=finance,
                started_at=now,
                heartbeat_at=now,
                finished_at=now,
            )
            args = {
                "month": month,
                "county": county,
                "run": run.pk,
                "now": now,
                "paid": PaymentStatus.PAID,
                "pending": PaymentStatus.PENDING,
            }
            with connection.cursor() as cursor:
                cursor.execute(BASELINE_LEDGER, args)
                cursor.execute(BASELINE_PAYMENT, args)
                cursor.execute(PAID_SQL, args)
            totals = LedgerEntry.objects.filter(county_code=county, month=month).aggregate(
                n=models.Count("id"), total=models.Sum("amount")
            )
            # As `payroll.execute` finishes a run: the month's figures are kept on it.
            PayrollRun.objects.filter(pk=run.pk).update(
                entries=totals["n"],
                total_amount=totals["total"] or 0,
                figures=statistics.freeze(county, month),
            )
        written += totals["n"]
        print(
            f"  payroll history {month:%Y-%m}: {totals['n']:,} lines in {time.perf_counter() - t:.1f}s",
            flush=True,
        )
    return written


def _clear(month: date) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM payments_payment WHERE month = %s", [month])
        cursor.execute("DELETE FROM payments_ledgerentry WHERE month = %s", [month])
        cursor.execute("VACUUM ANALYZE payments_payment")
        cursor.execute("VACUUM ANALYZE payments_ledgerentry")
    PayrollRun.objects.filter(month=month).delete()


def _baseline(month: date) -> float:
    t = time.perf_counter()
    with connection.cursor() as cursor:
        args = {"month": month, "county": COUNTY, "run": 0, "now": clock.now()}
        cursor.execute(BASELINE_LEDGER, args)
        cursor.execute(BASELINE_PAYMENT, args)
    return time.perf_counter() - t


def _product(month: date) -> tuple[float, PayrollRun]:
    finance = User.objects.get(username="js_finance")
    t = time.perf_counter()
    run = payroll.start(by=finance, county_code=COUNTY, month=month)
    payroll.generate_payroll.call(run.job_id)  # what the worker does with the queued task
    elapsed = time.perf_counter() - t
    return elapsed, PayrollRun.objects.get(pk=run.pk)


def run() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("bench payroll needs PostgreSQL (make bench)")
    month = month_start(clock.today())
    live = Enrolment.objects.filter(county_code=COUNTY).count()
    if live < HOUSEHOLDS:
        _setup(HOUSEHOLDS - live, month)
    n = Enrolment.objects.filter(county_code=COUNTY).count()
    _clear(month)
    base = _baseline(month)
    rows = LedgerEntry.objects.filter(month=month).count()
    assert Payment.objects.filter(month=month).count() == rows
    _clear(month)
    product, result = _product(month)
    assert result.status == "done" and result.entries == rows, (
        result.status,
        result.entries,
        rows,
        result.error,
    )
    again, _ = _product(month)  # idempotent re-run: nothing new to write
    assert LedgerEntry.objects.filter(month=month).count() == rows
    ratio = product / base
    print(f"enrolments: {n:,}; ledger lines and payments for {month:%Y-%m}: {rows:,} each")
    print(f"baseline (one INSERT … SELECT per table): {base:.2f}s")
    print(
        f"product (payroll.start + task, {result.townships_total} townships, "
        f"{payroll.parallel_workers()} at once): {product:.2f}s  "
        f"re-run: {again:.2f}s"
    )
    print(
        f"ratio to baseline: {ratio:.2f} (target ≤ {TARGET_RATIO}); "
        f"under {TARGET_SECONDS:.0f}s: {'yes' if product < TARGET_SECONDS else 'NO'}"
    )
