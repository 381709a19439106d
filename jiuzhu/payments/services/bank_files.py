"""The bank's payment file (B3, M2): the month's payments in a bank's format, equal to the ledger by
construction, with full account numbers — so every export is recorded with its checksum and audited. Each
payment carries the reference the bank sends back with its result (`reference_of`)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.core.files.base import ContentFile
from django.db import transaction

from jiuzhu.benefits.services import ACCOUNT_PURPOSE
from jiuzhu.core import audit, clock, crypto
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.exports import SafeCsvWriter
from jiuzhu.core.types import AssistanceType
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, User
from jiuzhu.orgs.roles import Perm
from jiuzhu.payments.models import BankFile, BankFormat, LedgerEntry, Payment


def reference_of(payment_id: int) -> str:
    """The payment's reference in the bank's file; the bank's results name payments by it."""
    return f"JZ{payment_id:010d}"


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


def _rows(county_code: str, month: date, township_code: str, bank_name: str = "") -> Iterator[dict[str, Any]]:
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
        kind = types.get(e.assistance_type, "") + (f"（{e.kind_label}）" if e.kind_label else "")
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
            "type": kind,
            "month": f"{month:%Y-%m}",
            "remark": f"{month:%Y年%m月}{kind}",
        }


@dataclass(frozen=True)
class Export:
    bank_file: BankFile
    content: bytes
    filename: str


def bank_file_create(
    *,
    by: User,
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
