"""Masking personal data on screen and in public notices (personal information law; P2, S12, PI1).

THE MASK RULE (PI1), stated once here and applied by every page, export, document, API response and event that
shows a person without a logged reveal:

    A masked ID number keeps the area code (first 6) and the last 4 digits; the 8 digits hidden between them are
    the birth date. Beside it — or anywhere the same reader can see it — a person's birth is shown at most as
    the year of birth or the age, never with month and day.

With the year known, 365 birth days remain, of which the check digit keeps about one in eleven: some 33
candidate numbers, none of them certain. With month and day as well, the number would be whole — that is a
reveal, and reveals are logged (`registry.services.members.member_reveal_id`). `tests/core/test_mask_rule.py` walks every
page and API response that shows members, for every role, and fails on a full birth date or ID number.
"""

from __future__ import annotations

from datetime import date

from jiuzhu.core.dates import ADULT_AGE, age_on


def mask_id_number(number: str | None) -> str:
    """230502199001011234 → 230502********1234 (area code and last four kept)."""
    if not number:
        return ""
    if len(number) <= 10:
        return number[:2] + "*" * max(len(number) - 4, 0) + number[-2:]
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def birth_year(birth: date | None) -> int | None:
    """What may be shown of a birth date beside a masked ID number (the mask rule above)."""
    return birth.year if birth else None


def shown_birth(birth: date | None, on: date) -> str:
    """ "1980年生（46岁）" — the year and the age, the most the mask rule allows."""
    if birth is None:
        return ""
    return f"{birth.year}年生（{age_on(birth, on)}岁）"


def mask_bank_account(number: str | None) -> str:
    """6217000012345678901 → 6217 **** **** 8901."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * (len(number) - 4) + number[-4:]
    return number[:4] + " **** **** " + number[-4:]


def mask_name(name: str | None) -> str:
    """张三 → 张*；欧阳娜娜 → 欧***（public notices keep only the surname character）."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else phone[:2] + "***"


ANONYMOUS_HOUSEHOLD = "某户"


def household_name(head_name: str | None) -> str:
    """The one name of a household on staff pages, in documents and in the audit trail: “韩建军户”. Staff
    in scope see names anyway; what is posted in public goes through `public_household_name` (“韩**户”)."""
    return f"{head_name}户" if head_name else "（未登记户主）"


def public_household_name(head_name: str | None, head_birth, on) -> str:
    """The name anything posted in public may show for a household: the head's surname and stars; “某户”
    when the head is a minor or unknown (P2: no full names, minors never listed)."""
    if not head_name or head_birth is None or age_on(head_birth, on) < ADULT_AGE:
        return ANONYMOUS_HOUSEHOLD
    return mask_name(head_name) + "户"
