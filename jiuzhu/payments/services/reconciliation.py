"""Importing the bank's results (S11): every row checked first (`bank_results`), then all usable rows
written in one transaction with one audit event — or nothing, unless the user chose to import the usable
rows and list the others. Set-based for 10⁶ rows: one UPDATE per batch of payments."""

from __future__ import annotations

from datetime import date, datetime
from itertools import chain, islice
from typing import IO, Any

from django.db import connection, transaction

from jiuzhu.core import audit, bulk, clock
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.payments.models import Reconciliation
from jiuzhu.payments.services.bank_results import (
    Change,
    Progress,
    ReconcileOutcome,
    bank_rows,
    check_bank_rows,
)

# Payments per UPDATE statement (5 parameters each: within SQLite's 32766 and PostgreSQL's 65535).
WRITE_BATCH = 1000


def _serialise_reconciles(county_code: str) -> None:
    """Two imports for one county write one after the other (SQLite's writers queue anyway). A lock on one
    key rather than on the county's 10⁶ payment rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"payments.reconcile:{county_code}"]
            )


# One statement per batch, joined on the primary key: bulk_update builds a CASE per field and row in
# Python (milliseconds a row, half an hour for 10⁶). SQLite ≥ 3.33 and PostgreSQL both name the columns of
# a VALUES list column1, column2, …
_WRITE_SQL = """
UPDATE payments_payment
SET status = v.column2, paid_amount = CAST(v.column3 AS NUMERIC), failure_reason = v.column4,
    bank_reference = v.column5, reconciled_at = %s
FROM (VALUES {values}) AS v
WHERE payments_payment.id = v.column1
"""


def _write_payments(batch: list[Change], now: datetime) -> None:
    # A reference twice in one batch: the later row wins, as it does across batches.
    latest = {pk: (status, paid, reason, ref) for pk, status, paid, reason, ref in batch}
    ops = connection.ops
    params: list[Any] = [ops.adapt_datetimefield_value(now)]
    for pk, (status, paid, reason, ref) in latest.items():
        params += [pk, str(status), None if paid is None else str(paid), reason, ref]
    sql = _WRITE_SQL.format(values=", ".join(["(%s, %s, %s, %s, %s)"] * len(latest)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def reconcile(
    *,
    by: User,
    county_code: str,
    month: date,
    file_name: str,
    content: bytes | IO[bytes],
    partial: bool = False,
    progress: Progress | None = None,
    outcome: ReconcileOutcome | None = None,
) -> Reconciliation:
    """Import the bank's results: 参考号 (the reference we exported), 状态 (成功/失败), 实发金额, 失败原因.
    Every row that cannot be used is reported and nothing is saved, unless the user chose `partial`: then
    the usable rows update their payments and the others are listed on the record. A paid amount that
    differs from the list is applied (it is what the bank did) and reported, and counts as inconsistent.

    Set-based for 10⁶ rows: payments are looked up a chunk of rows at a time and written in batches. Every
    row is checked before the one transaction that writes, so `progress(phase, done, total)` is reported
    (every MATCH_CHUNK rows) while nothing is locked. A caller that needs every bad row (the record keeps
    2000 messages) passes an `outcome` to be filled in; it is filled in on a refusal too."""
    membership = authz.require(by, Perm.RECONCILE, county_code)
    report = progress or (lambda phase, done, total: None)
    outcome = ReconcileOutcome() if outcome is None else outcome
    with bank_rows(file_name, content) as (rows, total, col):
        changes = check_bank_rows(
            rows, total, col, county_code=county_code, month=month, outcome=outcome, report=report
        )
    errors = [b for b in outcome.bad_rows if not b.applied]
    if errors and not partial:
        messages = [b.message(month) for b in errors[:200]]
        raise ValidationFailed(
            f"回盘文件有 {len(errors)} 行无法导入，未作任何更改："
            + "；".join(messages[:50])
            + ("……" if len(errors) > 50 else ""),
            field_errors={"file": messages},
        )
    writing = "写入数据库（全部成功或全部不写入）"
    report(writing, 0, len(changes))
    now = clock.now()
    with transaction.atomic():
        _serialise_reconciles(county_code)
        for batch in bulk.chunks(changes, WRITE_BATCH):
            _write_payments(batch, now)
        notes = (b for b in outcome.bad_rows if b.applied)
        record = Reconciliation.objects.create(
            county_code=county_code,
            month=month,
            file_name=file_name[:200],
            rows=outcome.rows,
            paid=outcome.paid,
            failed=outcome.failed,
            unmatched=outcome.unmatched,
            errors=[b.message(month) for b in islice(chain(errors, notes), 2000)],
            by=by,
            created_at=now,
        )
        audit.record(
            actor=by,
            membership=membership,
            action="payroll.reconcile",
            obj=record,
            area_code=county_code,
            after={
                "month": month,
                "paid": outcome.paid,
                "failed": outcome.failed,
                "unmatched": outcome.unmatched,
                "errors": len(errors),
                "partial": partial,
            },
        )
    report(writing, len(changes), len(changes))
    return record
