"""Money is Decimal yuan with two places (fen); never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from jiuzhu.core.errors import ValidationFailed

FEN = Decimal("0.01")
LIMIT = Decimal("1e12")  # beyond any real amount; also keeps quantize() within its precision


def to_yuan(
    value, *, label: str = "金额", allow_negative: bool = False, maximum: Decimal | None = None
) -> Decimal:
    """Parse a user-entered amount; refuse negatives, fractions of a fen and absurd values."""
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{label}“{value}”不是有效的数字") from None
    if not amount.is_finite() or abs(amount) >= LIMIT:
        raise ValidationFailed(f"{label}“{value}”不是有效的金额")
    if amount != amount.quantize(FEN):
        raise ValidationFailed(f"{label}最多保留两位小数（分）")
    if amount < 0 and not allow_negative:
        raise ValidationFailed(f"{label}不能为负数")
    if maximum is not None and amount > maximum:
        raise ValidationFailed(f"{label}{amount} 元超出合理范围（不超过 {maximum} 元），请核实")
    return amount.quantize(FEN)


def round_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def fmt(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"
