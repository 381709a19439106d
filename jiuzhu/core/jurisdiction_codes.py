"""12-digit statistical codes (GB/T 2260 style): 2 province, 2 city, 2 county, 3 township, 3 village."""

from __future__ import annotations

import re

PREFIX_LENGTH = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}  # level → significant digits
_CODE = re.compile(r"^\d{12}$")


def is_valid_code(code: str) -> bool:
    return bool(_CODE.match(code or ""))


def level_of(code: str) -> int:
    """The level a code denotes, from where its trailing zeros start."""
    if not is_valid_code(code):
        raise ValueError(f"not a 12-digit code: {code!r}")
    for level in (1, 2, 3, 4):
        if code[PREFIX_LENGTH[level] :] == "0" * (12 - PREFIX_LENGTH[level]):
            return level
    return 5


def prefix(code: str, level: int | None = None) -> str:
    return code[: PREFIX_LENGTH[level or level_of(code)]]


def pad(prefix_digits: str) -> str:
    return prefix_digits.ljust(12, "0")


def ancestor_codes(code: str) -> list[str]:
    """Codes from the province down to `code` itself."""
    lvl = level_of(code)
    return [pad(code[: PREFIX_LENGTH[level]]) for level in range(1, lvl + 1)]


def county_code(code: str) -> str:
    return pad(code[:6])


def township_code(code: str) -> str:
    return pad(code[:9])
