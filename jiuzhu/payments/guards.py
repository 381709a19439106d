"""Guards this app adds to the case workflow (M1)."""

from __future__ import annotations

from datetime import date

from jiuzhu.core.types import MONTHLY_TYPES
from jiuzhu.payments.cycle import lock_reason


def cycle_open_for_monthly(case, on: date) -> str | None:
    """Decisions on 低保 and 特困 wait while the month's payment list is frozen; the lock is about the
    system now, not the date written on the paper."""
    if case.assistance_type not in MONTHLY_TYPES:
        return None
    return lock_reason(case.county_code, decision=True)
