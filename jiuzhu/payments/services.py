"""Actions on payments: reopening a frozen month, bank file formats and exports, the bank's results, the
township's monthly adjustment table (M1, M2, B3, S11)."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import chain, islice
from typing import IO, NamedTuple

import xlsxwriter
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from jiuzhu.core import audit, bulk, clock, crypto, tables
from jiuzhu.core.dates import month_start
from jiuzhu.core.errors import NotFound, ValidationFailed
from jiuzhu.core.exports import SafeCsvWriter
from jiuzhu.core.models import Job
from jiuzhu.core.types import AssistanceType
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction
from jiuzhu.orgs.roles import Perm
from jiuzhu.payments.models import (
    AdjustmentReport,
    BankFile,
    BankFormat,
    CycleReopen,
    LedgerEntry,
    Payment,
    PaymentStatus,
    Reconciliation,
)

ACCOUNT_PURPOSE = "bank_account"
FIELDS = {
    "line": "序号",
    "reference": "参考号",
    "name": "户名",
    "account": "账号",
    "amount": "金额",
    "bank": "开户银行",
    "id_masked": "身份证号（脱敏）",
    "township": "乡镇（街道）",
    "village": "村（社区）",
    "type": "救助类型",
    "month": "发放月份",
    "remark": "摘要",
}
DEFAULT_COLUMNS = [
    {"header": FIELDS[f], "field": f}
    for f in ("line", "reference", "name", "account", "amount", "township", "village", "type", "month")
]


def reference_of(payment_id: int) -> str:
    return f"JZ{payment_id:010d}"


# --- the monthly cycle (M1) ---------------------------------------------------------------------------


@transaction.atomic
def reopen(*, by, county_code: str, reason: str) -> CycleReopen:
    """The bureau reopens the current month after the export day, for a reason that is logged."""
    membership = authz.require(by, Perm.CYCLE_MANAGE, county_code)
    if not reason.strip():
        raise ValidationFailed("请填写重新开放的原因", field_errors={"reason": "必填"})
    month = month_start(clock.today())
    if CycleReopen.objects.filter(county_code=county_code, month=month, closed_at__isnull=True).exists():
        raise ValidationFailed("本月已重新开放")
    row = CycleReopen.objects.create(
        county_code=county_code, month=month, reason=reason.strip(), by=by, opened_at=clock.now()
    )
    audit.record(
        actor=by,
        membership=membership,
        action="payroll.reopen",
        obj=row,
        area_code=county_code,
        reason=reason.strip(),
        after={"month": month},
    )
    return row


@transaction.atomic
def close_reopen(*, by, county_code: str) -> None:
    membership = authz.require(by, Perm.CYCLE_MANAGE, county_code)
    rows = CycleReopen.objects.filter(county_code=county_code, closed_at__isnull=True)
    if not rows.exists():
        raise ValidationFailed("本月没有重新开放")
    rows.update(closed_at=clock.now())
    audit.record(
        actor=by,
        membership=membership,
        action="payroll.reopen",
        area_code=county_code,
        object_type="payments.cyclereopen",
        object_repr="关闭重新开放",
        after={"closed": True},
    )


# --- bank file formats and exports (B3, M2) -----------------------------------------------------------


def load_default_format(model) -> None:
    """The general layout (migration 0002; tests that empty the database put it back the same way)."""
    model.objects.get_or_create(
        county_code="",
        name="通用格式",
        defaults={"columns": DEFAULT_COLUMNS, "encoding": "gb18030", "is_default": True},
    )


def formats_for(county_code: str):
    return BankFormat.objects.filter(county_code__in=[county_code, ""]).order_by("-is_default", "name")


@transaction.atomic
def bank_format_save(
    *,
    by,
    county_code: str,
    name: str,
    fields: list[str],
    headers: dict[str, str] | None = None,
    encoding: str = "gb18030",
    is_default: bool = False,
    bank_format: BankFormat | None = None,
) -> BankFormat:
    membership = authz.require(by, Perm.PAYROLL_RUN, county_code)
    if not name.strip():
        raise ValidationFailed("请填写银行名称", field_errors={"name": "必填"})
    unknown = [f for f in fields if f not in FIELDS]
    if unknown or not fields:
        raise ValidationFailed("请选择文件的列", field_errors={"fields": "无效"})
    for required in ("account", "amount", "name"):
        if required not in fields:
            raise ValidationFailed(
                f"银行文件必须包含“{FIELDS[required]}”列", field_errors={"fields": "缺少必需列"}
            )
    if encoding not in ("gb18030", "utf-8"):
        raise ValidationFailed("编码应为 gb18030 或 utf-8")
    columns = [{"header": (headers or {}).get(f) or FIELDS[f], "field": f} for f in fields]
    row = bank_format or BankFormat(county_code=county_code)
    if row.pk and row.county_code != county_code:
        raise ValidationFailed("只能修改本县（区）的格式")
    row.name, row.columns, row.encoding, row.is_default = name.strip(), columns, encoding, is_default
    row.save()
    if is_default:
        BankFormat.objects.filter(county_code=county_code).exclude(pk=row.pk).update(is_default=False)
    audit.record(
        actor=by,
        membership=membership,
        action="payroll.bank_format",
        obj=row,
        area_code=county_code,
        after={"name": row.name, "columns": columns, "encoding": encoding},
    )
    return row


def paying_banks(county_code: str, month: date) -> list[str]:
    """The banks that hold recipients' accounts this month (one file per bank, when the county pays
    through several)."""
    return sorted(
        set(
            LedgerEntry.objects.filter(county_code=county_code, month=month)
            .exclude(bank_name="")
            .values_list("bank_name", flat=True)
            .distinct()
        )
    )


def _rows(county_code: str, month: date, township_code: str, bank_name: str = ""):
    names = dict(Jurisdiction.objects.filter(code__startswith=county_code[:6]).values_list("code", "name"))
    qs = (
        Payment.objects.filter(county_code=county_code, month=month)
        .select_related("entry")
        .order_by("township_code", "entry__area_code", "id")
    )
    if township_code:
        qs = qs.filter(township_code=township_code)
    if bank_name:
        qs = qs.filter(entry__bank_name=bank_name)
    types = dict(AssistanceType.choices)
    for line, p in enumerate(qs.iterator(chunk_size=5000), start=1):
        e = p.entry
        yield {
            "line": line,
            "reference": reference_of(p.id),
            "name": e.recipient_name,
            "account": crypto.decrypt(e.account_cipher, purpose=ACCOUNT_PURPOSE),
            "amount": p.amount,
            "bank": e.bank_name,
            "id_masked": e.id_masked,
            "township": names.get(e.township_code, ""),
            "village": names.get(e.area_code, ""),
            "type": types.get(e.assistance_type, ""),
            "month": f"{month:%Y-%m}",
            "remark": f"{month:%Y年%m月}{types.get(e.assistance_type, '')}",
        }


@dataclass(frozen=True)
class Export:
    bank_file: BankFile
    content: bytes
    filename: str


def bank_file_create(
    *,
    by,
    county_code: str,
    month: date,
    bank_format: BankFormat,
    file_type: str,
    township_code: str = "",
    bank_name: str = "",
) -> Export:
    """The bank's payment file, equal to the ledger by construction (M2); its checksum is recorded. A
    sensitive export (full account numbers), so it is an audit event."""
    area = township_code or county_code
    membership = authz.require(by, Perm.PAYROLL_RUN, area)
    if file_type not in ("xlsx", "csv"):
        raise ValidationFailed("文件类型应为 xlsx 或 csv")
    if bank_format.county_code not in ("", county_code):
        raise ValidationFailed("银行文件格式不属于本县（区）")
    if not Payment.objects.filter(county_code=county_code, month=month).exists():
        raise ValidationFailed(f"{month:%Y年%m月}尚未生成发放名单")
    bank_name = (bank_name or "").strip()
    if bank_name and bank_name not in paying_banks(county_code, month):
        raise ValidationFailed(
            f"{month:%Y年%m月}没有在“{bank_name}”开户的发放对象", field_errors={"bank": "无发放对象"}
        )
    columns = bank_format.columns
    headers = [c["header"] for c in columns]
    lines, total = 0, Decimal("0")
    if file_type == "csv":
        text = io.StringIO()
        writer = SafeCsvWriter(text)  # a name like "=HYPERLINK(…)" stays text in the bank's spreadsheet
        writer.writerow(headers)
        for row in _rows(county_code, month, township_code, bank_name):
            writer.writerow(
                [f"{row[c['field']]:.2f}" if c["field"] == "amount" else row[c["field"]] for c in columns]
            )
            lines, total = lines + 1, total + row["amount"]
        content = text.getvalue().encode(bank_format.encoding)
    else:
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
        ws = book.add_worksheet(f"{month:%Y-%m}")
        money = book.add_format({"num_format": "0.00"})
        text_fmt = book.add_format({"num_format": "@"})
        for col, header in enumerate(headers):
            ws.write_string(0, col, header)
        for r, row in enumerate(_rows(county_code, month, township_code, bank_name), start=1):
            for col, c in enumerate(columns):
                value = row[c["field"]]
                if c["field"] == "amount":
                    ws.write_number(r, col, float(value), money)
                else:
                    ws.write_string(r, col, str(value), text_fmt)  # account numbers stay text (no 1.2E+18)
            lines, total = lines + 1, total + row["amount"]
        book.close()
        content = buffer.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    name = f"{month:%Y%m}-{township_code or county_code}-{bank_name or bank_format.name}.{file_type}"
    with transaction.atomic():
        record = BankFile(
            county_code=county_code,
            township_code=township_code,
            month=month,
            bank_format=bank_format,
            file_type=file_type,
            paying_bank=bank_name,
            lines=lines,
            total=total,
            sha256=digest,
            by=by,
            created_at=clock.now(),
        )
        record.file.save(name, ContentFile(content), save=False)
        record.save()
        audit.record(
            actor=by,
            membership=membership,
            action="payroll.bank_file",
            obj=record,
            area_code=area,
            after={
                "month": month,
                "lines": lines,
                "total": total,
                "sha256": digest,
                "format": bank_format.name,
                "bank": bank_name,
            },
        )
    return Export(record, content, name)


# --- reconciliation (S11) -----------------------------------------------------------------------------

PAID_WORDS = {"成功", "已发放", "已入账", "paid", "success", "ok", "1"}
FAILED_WORDS = {"失败", "退回", "未发放", "failed", "fail", "0"}
RECONCILE_KIND = "payroll_reconcile"
# Rows matched with one query; a province's file has 10⁶ of them, so never one query per row.
MATCH_CHUNK = 5000
# Payments per UPDATE statement (5 parameters each: within SQLite's 32766 and PostgreSQL's 65535).
WRITE_BATCH = 1000
_REFERENCE = re.compile(r"^JZ(\d{10,})$")
Progress = Callable[[str, int, int], None]  # (phase, done, total)


class BadRow(NamedTuple):
    """A row of the bank's file that could not be used, or that was applied with a remark ("differs": the
    bank paid another amount). Kept as a short list on the job: a wrong file may have 10⁶ of them."""

    line: int
    reference: str
    kind: str  # unmatched | amount | state | differs
    value: str = ""
    listed: str = ""

    @property
    def applied(self) -> bool:
        return self.kind == "differs"

    def reason(self, month: date) -> str:
        if self.kind == "unmatched":
            return f"参考号“{self.reference}”不在{month:%Y年%m月}的发放名单中"
        if self.kind == "amount":
            return f"实发金额“{self.value}”不是数字"
        if self.kind == "state":
            return f"状态“{self.value}”无法识别（应为 成功 或 失败）"
        return f"实发金额 {self.value} 与名单金额 {self.listed} 不一致"

    def message(self, month: date) -> str:
        return f"第{self.line}行：{self.reason(month)}"


@dataclass
class ReconcileOutcome:
    rows: int = 0
    paid: int = 0
    failed: int = 0
    unmatched: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)

    @property
    def unusable(self) -> int:
        return sum(1 for b in self.bad_rows if not b.applied)

    @property
    def inconsistent(self) -> int:
        return sum(1 for b in self.bad_rows if b.applied)


@contextmanager
def _bank_rows(
    file_name: str, content: bytes | IO[bytes]
) -> Iterator[tuple[Iterator[list[str]], int, dict[str, int]]]:
    """The bank's data rows (streamed: a province's results run to 10⁶ rows), about how many there are
    (for the progress bar) and the columns; refuses an empty file or one without the two columns the
    matching needs."""
    with tables.open_table(file_name, content, what="银行回盘文件") as table:
        header = next(table.rows, None)
        if header is None:
            raise ValidationFailed("文件是空的")
        if "参考号" not in header or "状态" not in header:
            raise ValidationFailed("回盘文件须有“参考号”和“状态”两列（参考号即导出文件中的参考号）")
        yield table.rows, max(table.total - 1, 0), {h: i for i, h in enumerate(header)}


def _payment_id(reference: str) -> int | None:
    match = _REFERENCE.match(reference)
    if match is None:
        return None
    pk = int(match.group(1))
    return pk if reference_of(pk) == reference else None  # the exact text we exported, no other spelling


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


def _write_payments(batch: list[tuple], now) -> None:
    # A reference twice in one batch: the later row wins, as it does across batches.
    latest = {pk: (status, paid, reason, ref) for pk, status, paid, reason, ref in batch}
    ops = connection.ops
    params: list = [ops.adapt_datetimefield_value(now)]
    for pk, (status, paid, reason, ref) in latest.items():
        params += [pk, str(status), None if paid is None else str(paid), reason, ref]
    sql = _WRITE_SQL.format(values=", ".join(["(%s, %s, %s, %s, %s)"] * len(latest)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _check_bank_rows(
    rows: Iterator[list[str]],
    total: int,
    col: dict[str, int],
    *,
    county_code: str,
    month: date,
    outcome: ReconcileOutcome,
    report: Progress,
) -> list[tuple]:
    """Match every row against the month's list, a chunk at a time, filling in `outcome`. Returns the
    changes to write as (payment id, status, paid amount, failure reason, bank reference): tuples, not
    model instances, which would take a kilobyte each."""
    changes: list[tuple] = []

    def cell(row: list[str], name: str) -> str:
        return row[col[name]] if name in col and col[name] < len(row) else ""

    checking = "逐行核对回盘"
    report(checking, 0, total)
    for chunk in bulk.chunks(enumerate(rows, start=2), MATCH_CHUNK):
        outcome.rows += len(chunk)
        ids = {pk for _, row in chunk if (pk := _payment_id(cell(row, "参考号"))) is not None}
        # By primary key alone: with the county and month in the query, SQLite walks all the county's
        # payments of the month through their (county, month) index for every chunk.
        amounts = {
            pk: amount
            for pk, amount, county, when in Payment.objects.filter(pk__in=ids).values_list(
                "pk", "amount", "county_code", "month"
            )
            if county == county_code and when == month
        }
        for lineno, row in chunk:
            if not any(row):
                continue
            ref, state = cell(row, "参考号"), cell(row, "状态").lower()
            pk = _payment_id(ref)
            amount = amounts.get(pk) if pk is not None else None
            if amount is None:
                outcome.unmatched += 1
                outcome.bad_rows.append(BadRow(lineno, ref, "unmatched"))
                continue
            if state in PAID_WORDS:
                amount_text = cell(row, "实发金额")
                try:
                    paid_amount = Decimal(amount_text) if amount_text else amount
                except InvalidOperation:
                    paid_amount = None
                if paid_amount is None or not paid_amount.is_finite():  # "NaN" and "Infinity" parse too
                    outcome.bad_rows.append(BadRow(lineno, ref, "amount", amount_text))
                    continue
                changes.append((pk, PaymentStatus.PAID, paid_amount, "", cell(row, "银行流水号")[:60]))
                outcome.paid += 1
                if paid_amount != amount:
                    outcome.bad_rows.append(BadRow(lineno, ref, "differs", str(paid_amount), str(amount)))
            elif state in FAILED_WORDS:
                reason = cell(row, "失败原因") or "银行未说明原因"
                changes.append((pk, PaymentStatus.FAILED, None, reason, cell(row, "银行流水号")[:60]))
                outcome.failed += 1
            else:
                outcome.bad_rows.append(BadRow(lineno, ref, "state", cell(row, "状态")))
        report(checking, outcome.rows, max(total, outcome.rows))  # the count of a CSV's lines is a guess
    return changes


def reconcile(
    *,
    by,
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
    with _bank_rows(file_name, content) as (rows, total, col):
        changes = _check_bank_rows(
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


def reconcile_start(
    *, by, county_code: str, month: date, file_name: str, content: bytes | File, partial: bool = False
) -> Job:
    """Check what can be checked at once (role and scope, the file's type, size and two columns: the same
    messages as `reconcile`, nothing stored on refusal), store the file and queue the import as a job
    (`tasks.reconcile_bank_results`) after commit. Returns the job, whose page shows the progress."""
    from jiuzhu.core import jobs
    from jiuzhu.payments.tasks import reconcile_bank_results

    authz.require(by, Perm.RECONCILE, county_code)
    if month != month_start(month):
        raise ValidationFailed("月份应为某月1日", field_errors={"month": "格式不正确"})
    with _bank_rows(file_name, content):  # the header; for an xlsx this parses the sheet: seconds
        pass
    with transaction.atomic():
        job = jobs.create(
            by=by,
            kind=RECONCILE_KIND,
            area_code=county_code,
            params={"month": month.isoformat(), "filename": file_name, "partial": partial},
            upload=content if isinstance(content, File) else SimpleUploadedFile(file_name, content),
        )
        jobs.enqueue(reconcile_bank_results, job)
    return job


# The job page lists this many bad rows; all of them are in the Excel download, which the job writes
# when there are more (10⁶ rows take the better part of a minute: too long for a request).
BAD_ROWS_SHOWN = 200


def bad_rows_of(job) -> tuple[date, int, Iterator[BadRow]]:
    """The month of a reconcile job, how many bad rows it recorded, and the rows (read lazily)."""
    raw = (job.result or {}).get("bad_rows", [])
    return date.fromisoformat(job.params["month"]), len(raw), (BadRow(*row) for row in raw)


def write_bad_rows(out, month: date, bad_rows: Iterable[BadRow], *, refused: bool) -> None:
    """Every bad row of a job as Excel, row by row (constant memory: there may be 10⁶)."""
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    headers = ["行号", "参考号", "问题", "处理"]
    ws, r = None, 0
    for bad in bad_rows:
        if ws is None or r > 1_000_000:  # an xlsx sheet holds at most 1,048,576 rows
            ws, r = book.add_worksheet(), 1
            ws.set_column(1, 1, 16)
            ws.set_column(2, 3, 40)
            for c, h in enumerate(headers):
                ws.write_string(0, c, h)
        done = (
            "未导入（整份文件未导入）" if refused else ("已按银行实发金额入账" if bad.applied else "未导入")
        )
        ws.write_number(r, 0, bad.line)
        ws.write_string(r, 1, bad.reference)
        ws.write_string(r, 2, bad.reason(month))
        ws.write_string(r, 3, done)
        r += 1
    if ws is None:
        ws = book.add_worksheet()
        for c, h in enumerate(headers):
            ws.write_string(0, c, h)
    book.close()


def save_bad_rows(job_id: int, month: date, bad_rows: Iterable[BadRow], *, refused: bool) -> str:
    """Store the bad rows' workbook next to the job's upload; returns its storage name for the result."""
    import tempfile

    from django.core.files import File

    from jiuzhu.core.crypto.sealed import sealed_storage  # the bank's rows: sealed at rest (PI1)

    with tempfile.TemporaryFile() as tmp:
        write_bad_rows(tmp, month, bad_rows, refused=refused)
        tmp.seek(0)
        return sealed_storage().save(f"jobs/{clock.now():%Y/%m}/reconcile-{job_id}-rows.xlsx", File(tmp))


def open_bad_rows(job) -> tuple[IO[bytes], str]:
    """The Excel of a finished job's bad rows (stored by the job, or written now for a few), and a name."""
    import tempfile

    from jiuzhu.core.crypto.sealed import sealed_storage

    month, count, bad_rows = bad_rows_of(job)
    if not job.finished or not count:
        raise NotFound("该任务没有需要核实的行")
    filename = f"回盘核实行-{month:%Y%m}-{job.params.get('filename', job.pk)}.xlsx"
    stored = job.result.get("rows_file")
    if stored and sealed_storage().exists(stored):
        return sealed_storage().open(stored, "rb"), filename
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it once sent
    write_bad_rows(out, month, bad_rows, refused=not job.result.get("committed"))
    out.seek(0)
    return out, filename


@dataclass(frozen=True)
class Consistency:
    entries: int
    consistent: int
    failed: int
    pending: int

    @property
    def rate(self) -> Decimal:
        return (
            (Decimal(self.consistent) * 100 / self.entries).quantize(Decimal("0.1"))
            if self.entries
            else Decimal("0")
        )


def consistency(county_code: str, month: date, township_code: str = "") -> Consistency:
    """S11: the share of ledger lines the bank paid with exactly the ledger's amount."""
    qs = Payment.objects.filter(county_code=county_code, month=month)
    if township_code:
        qs = qs.filter(township_code=township_code)
    from django.db.models import F

    agg = qs.aggregate(
        n=Count("id"),
        ok=Count("id", filter=Q(status=PaymentStatus.PAID, paid_amount=F("amount"))),
        failed=Count("id", filter=Q(status=PaymentStatus.FAILED)),
        pending=Count("id", filter=Q(status=PaymentStatus.PENDING)),
    )
    return Consistency(agg["n"], agg["ok"], agg["failed"], agg["pending"])


# --- statistics ---------------------------------------------------------------------------------------


def statistics(user, *, county_code: str, month: date):
    """Households, persons and amounts by township × assistance type for a month (from the frozen ledger),
    within the user's scope."""
    authz.require(user, Perm.VIEW)
    return (
        LedgerEntry.objects.filter(county_code=county_code, month=month)
        .filter(authz.scope_q(user, "area_code"))
        .values("township_code", "assistance_type")
        .annotate(households=Count("id"), persons=Sum("covered_members"), amount=Sum("amount"))
        .order_by("township_code", "assistance_type")
    )


# --- monthly dynamic-adjustment table (M1) ------------------------------------------------------------


def adjustments_for(township_code: str, month: date):
    """Changes of the township taking effect in `month` (reported by the report day of the month before)."""
    from jiuzhu.benefits.models import ChangeKind, EnrolmentChange

    return (
        EnrolmentChange.objects.filter(enrolment__township_code=township_code, effective_month=month)
        .exclude(kind__in=[ChangeKind.KEEP, ChangeKind.BANK])
        .select_related("enrolment__household")
        .order_by("enrolment__area_code", "id")
    )


def adjustment_report_submit(*, by, township_code: str, month: date) -> AdjustmentReport:
    """M1: the township reports next month's dynamic adjustments by the report day (late ones are marked),
    with the numbered adjustment table for the township head's signature.

    The report row is written first (it claims the month), the table is rendered outside any transaction,
    and the report's event is written with the table's record. If the table cannot be issued the report
    is removed again (its number is recorded void), so the township can submit once more."""
    from jiuzhu.core.dates import add_months
    from jiuzhu.documents.register import ABANDONED_AFTER
    from jiuzhu.payments.cycle import report_late
    from jiuzhu.payments.documents import issue_adjustment_table

    membership = authz.require(by, Perm.BENEFIT_MANAGE, township_code)
    today = clock.today()
    if month != add_months(month_start(today), 1):
        raise ValidationFailed("只能上报下月生效的动态调整")
    with transaction.atomic():
        existing = AdjustmentReport.objects.filter(township_code=township_code, month=month).first()
        if existing is not None:
            # A submission whose process died before its table was recorded does not block a new one.
            if existing.document_id or clock.now() - existing.submitted_at < ABANDONED_AFTER:
                raise ValidationFailed(f"{month:%Y年%m月}的动态调整表已上报")
            existing.delete()
        report = AdjustmentReport.objects.create(
            township_code=township_code,
            month=month,
            changes=adjustments_for(township_code, month).count(),
            late=report_late(township_code[:6] + "000000", today),
            by=by,
            submitted_at=clock.now(),
        )

    def submitted(document) -> None:
        AdjustmentReport.objects.filter(pk=report.pk).update(document=document)
        audit.record(
            actor=by,
            membership=membership,
            action="payroll.adjustment_report",
            obj=report,
            after={"month": month, "changes": report.changes, "late": report.late},
        )

    try:
        report.document = issue_adjustment_table(by=by, report=report, on_record=submitted)
    except BaseException:
        AdjustmentReport.objects.filter(pk=report.pk, document__isnull=True).delete()
        raise
    return report
