"""Resident ID numbers (GB 11643-1999): 18 characters, the last one a check character."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from jiuzhu.core import clock
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.masking import mask_id_number

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: date
    sex: str  # "M" or "F"

    @property
    def area_code(self) -> str:
        return self.number[:6]


def check_character(first17: str) -> str:
    total = 0
    for c, w in zip(first17, _WEIGHTS, strict=True):
        total += (ord(c) - 48) * w
    return _CHECK[total % 11]


def normalise(number: str) -> str:
    return "".join((number or "").split()).upper().replace("x", "X")


def parse(number: str, *, label: str = "身份证号", today: date | None = None) -> IdInfo:
    """Validate and decode; bulk callers pass `today` once instead of asking the clock per row."""
    value = normalise(number)

    def refused(problem: str) -> ValidationFailed:
        # Messages end up in import reports and job results: never echo a whole (possibly real) number.
        # Masked only when refusing: bulk imports parse millions of valid numbers.
        return ValidationFailed(f"{label}“{mask_id_number(value)}”{problem}")

    if not _SHAPE.match(value):
        raise refused("应为18位，前17位为数字，最后一位为数字或X")
    if check_character(value[:17]) != value[17]:
        raise refused("校验位不正确，请核对是否录入有误")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise refused("中的出生日期无效") from None
    if birth > (today or clock.today()) or birth.year < 1890:
        raise refused("中的出生日期不合理")
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdInfo(value, birth, sex)


def make(first17: str) -> str:
    """Complete a 17-digit prefix with its check character (demo data and tests)."""
    return first17 + check_character(first17)
