"""Actions on payments: reopening a frozen month, bank file formats and exports, the bank's results, the
township's monthly adjustment table (M1, M2, B3, S11)."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import xlsxwriter
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q, Sum

from jiuzhu.core import audit, clock, crypto
from jiuzhu.core.dates import month_start
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.tables import read_table
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
        writer = csv.writer(text)
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


@transaction.atomic
def reconcile(
    *, by, county_code: str, month: date, file_name: str, content: bytes, partial: bool = False
) -> Reconciliation:
    """Import the bank's results: 参考号 (the reference we exported), 状态 (成功/失败), 实发金额, 失败原因.
    Every row that cannot be used is reported and nothing is saved, unless the user chose `partial`: then
    the usable rows update their payments and the others are listed on the record. A paid amount that
    differs from the list is applied (it is what the bank did) and reported, and counts as inconsistent."""
    membership = authz.require(by, Perm.RECONCILE, county_code)
    table = read_table(file_name, content, what="银行回盘文件")
    if not table:
        raise ValidationFailed("文件是空的")
    header = [h.strip() for h in table[0]]
    if "参考号" not in header or "状态" not in header:
        raise ValidationFailed("回盘文件须有“参考号”和“状态”两列（参考号即导出文件中的参考号）")
    col = {h: i for i, h in enumerate(header)}
    payments = {
        reference_of(p.id): p
        for p in Payment.objects.select_for_update().filter(county_code=county_code, month=month)
    }
    errors: list[str] = []  # rows that cannot be used
    notes: list[str] = []  # rows applied with a remark
    paid = failed = unmatched = 0
    changed: list[Payment] = []
    now = clock.now()
    for lineno, row in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, r=row) -> str:
            return r[col[name]].strip() if name in col and col[name] < len(r) else ""

        ref, state = cell("参考号"), cell("状态").lower()
        payment = payments.get(ref)
        if payment is None:
            unmatched += 1
            errors.append(f"第{lineno}行：参考号“{ref}”不在{month:%Y年%m月}的发放名单中")
            continue
        if state in PAID_WORDS:
            amount_text = cell("实发金额")
            try:
                paid_amount = Decimal(amount_text) if amount_text else payment.amount
            except InvalidOperation:
                errors.append(f"第{lineno}行：实发金额“{amount_text}”不是数字")
                continue
            payment.status, payment.paid_amount, payment.failure_reason = PaymentStatus.PAID, paid_amount, ""
            paid += 1
            if paid_amount != payment.amount:
                notes.append(f"第{lineno}行：实发金额 {paid_amount} 与名单金额 {payment.amount} 不一致")
        elif state in FAILED_WORDS:
            payment.status, payment.paid_amount = PaymentStatus.FAILED, None
            payment.failure_reason = cell("失败原因") or "银行未说明原因"
            failed += 1
        else:
            errors.append(f"第{lineno}行：状态“{cell('状态')}”无法识别（应为 成功 或 失败）")
            continue
        payment.bank_reference = cell("银行流水号")[:60]
        payment.reconciled_at = now
        changed.append(payment)
    if errors and not partial:
        raise ValidationFailed(
            f"回盘文件有 {len(errors)} 行无法导入，未作任何更改："
            + "；".join(errors[:50])
            + ("……" if len(errors) > 50 else ""),
            field_errors={"file": errors[:200]},
        )
    Payment.objects.bulk_update(
        changed,
        ["status", "paid_amount", "failure_reason", "bank_reference", "reconciled_at"],
        batch_size=2000,
    )
    record = Reconciliation.objects.create(
        county_code=county_code,
        month=month,
        file_name=file_name[:200],
        rows=len(table) - 1,
        paid=paid,
        failed=failed,
        unmatched=unmatched,
        errors=(errors + notes)[:2000],
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
            "paid": paid,
            "failed": failed,
            "unmatched": unmatched,
            "errors": len(errors),
            "partial": partial,
        },
    )
    return record


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


@transaction.atomic
def adjustment_report_submit(*, by, township_code: str, month: date) -> AdjustmentReport:
    """M1: the township reports next month's dynamic adjustments by the report day (late ones are marked),
    with the numbered adjustment table for the township head's signature."""
    from jiuzhu.core.dates import add_months
    from jiuzhu.payments.cycle import report_late

    membership = authz.require(by, Perm.BENEFIT_MANAGE, township_code)
    if AdjustmentReport.objects.filter(township_code=township_code, month=month).exists():
        raise ValidationFailed(f"{month:%Y年%m月}的动态调整表已上报")
    today = clock.today()
    if month != add_months(month_start(today), 1):
        raise ValidationFailed("只能上报下月生效的动态调整")
    report = AdjustmentReport.objects.create(
        township_code=township_code,
        month=month,
        changes=adjustments_for(township_code, month).count(),
        late=report_late(township_code[:6] + "000000", today),
        by=by,
        submitted_at=clock.now(),
    )
    from jiuzhu.payments.documents import issue_adjustment_table

    issue_adjustment_table(by=by, report=report)  # the signed table belongs to the report: one transaction
    audit.record(
        actor=by,
        membership=membership,
        action="payroll.adjustment_report",
        obj=report,
        after={"month": month, "changes": report.changes, "late": report.late},
    )
    return report
