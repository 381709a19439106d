"""Resident ID numbers (GB 11643-1999): 18 characters, the last one a check character."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from jiuzhu.core import clock
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.masking import mask_id_number

# The standard's weight of the i-th digit (i = 1…17) is 2^(18-i) mod 11: 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10,
# 5, 8, 4, 2. Read in base 13 (13 ≡ 2 mod 11) the digits are Σ dᵢ·13^(17-i) ≡ Σ dᵢ·2^(17-i) (mod 11), so the
# weighted sum is twice that number, modulo 11: one C call instead of a loop over the digits.
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII digits only: "\d" would also take other scripts' digits


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: date
    sex: str  # "M" or "F"

    @property
    def area_code(self) -> str:
        return self.number[:6]


def check_character(first17: str) -> str:
    """The check character of 17 ASCII digits (weighted sum modulo 11)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("17 ASCII digits expected")
    return _CHECK[2 * int(first17, 13) % 11]


def normalise(number: str) -> str:
    if number and number.isdigit():  # most numbers as a file holds them: nothing to remove or upper-case
        return number
    return "".join((number or "").split()).upper()


@lru_cache(maxsize=65_536)  # a file of 10⁶ people has a few tens of thousands of birth dates
def _birth(digits: str) -> date | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def problem(value: str, today: date) -> str | None:
    """Why a normalised number is refused (the end of the Chinese message), or None: the check without
    building anything, for bulk callers that check 10⁶ numbers."""
    if not _SHAPE.match(value):
        return "应为18位，前17位为数字，最后一位为数字或X"
    if _CHECK[2 * int(value[:17], 13) % 11] != value[17]:  # the shape is checked: 17 ASCII digits
        return "校验位不正确，请核对是否录入有误"
    birth = _birth(value[6:14])
    if birth is None:
        return "中的出生日期无效"
    if birth > today or birth.year < 1890:
        return "中的出生日期不合理"
    return None


def refusal(value: str, reason: str, label: str = "身份证号") -> str:
    # Messages end up in import reports and job results: never echo a whole (possibly real) number.
    # Masked only when refusing: bulk imports check millions of valid numbers.
    return f"{label}“{mask_id_number(value)}”{reason}"


def parse(number: str, *, label: str = "身份证号", today: date | None = None) -> IdInfo:
    """Validate and decode; bulk callers pass `today` once instead of asking the clock per row."""
    value = normalise(number)
    reason = problem(value, today or clock.today())
    if reason is not None:
        raise ValidationFailed(refusal(value, reason, label))
    birth = _birth(value[6:14])
    assert birth is not None
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdInfo(value, birth, sex)


def make(first17: str) -> str:
    """Complete a 17-digit prefix with its check character (demo data and tests)."""
    return first17 + check_character(first17)
