"""Reading the bank's results (S11): each row names a payment by the reference we exported and says paid
or failed. Every row is checked against the month's list, a chunk at a time (a province's file has 10⁶
rows), before anything is written; the rows that cannot be used are kept as a short list of `BadRow`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, NamedTuple

from jiuzhu.core import bulk, tables
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.payments.models import Payment, PaymentStatus
from jiuzhu.payments.services.bank_files import reference_of

PAID_WORDS = {"成功", "已发放", "已入账", "paid", "success", "ok", "1"}
FAILED_WORDS = {"失败", "退回", "未发放", "failed", "fail", "0"}
# Rows matched with one query; a province's file has 10⁶ of them, so never one query per row.
MATCH_CHUNK = 5000
_REFERENCE = re.compile(r"^JZ(\d{10,})$")
Progress = Callable[[str, int, int], None]  # (phase, done, total)
# A payment's new state: (payment id, status, paid amount, failure reason, bank reference).
Change = tuple[int, str, Decimal | None, str, str]


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
def bank_rows(
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


def check_bank_rows(
    rows: Iterator[list[str]],
    total: int,
    col: dict[str, int],
    *,
    county_code: str,
    month: date,
    outcome: ReconcileOutcome,
    report: Progress,
) -> list[Change]:
    """Match every row against the month's list, a chunk at a time, filling in `outcome`. Returns the
    changes to write: tuples, not model instances, which would take a kilobyte each."""
    changes: list[Change] = []

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
            if pk is None or amount is None:
                outcome.unmatched += 1
                outcome.bad_rows.append(BadRow(lineno, ref, "unmatched"))
                continue
            if state in PAID_WORDS:
                amount_text = cell(row, "实发金额")
                paid_amount: Decimal | None
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
