"""Masking personal data on screen and in public notices (personal information law; P2, S12)."""

from __future__ import annotations

from jiuzhu.core.dates import ADULT_AGE, age_on


def mask_id_number(number: str | None) -> str:
    """230502199001011234 → 230502********1234 (area code and last four kept)."""
    if not number:
        return ""
    if len(number) <= 10:
        return number[:2] + "*" * max(len(number) - 4, 0) + number[-2:]
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


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
