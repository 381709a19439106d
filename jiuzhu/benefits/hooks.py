"""What apps above benefits add to it, registered at start-up (in their `AppConfig.ready`) so that benefits
never imports them.

- `payment_locks`: why changes that affect payment are refused now (M1). Payments registers its month
  freeze here, as it does with the case workflow; every enrolment change asks `ensure_open` first.
- `enrolment_listeners`: told of enrolment events that may leave months unpaid ("enrolled", "account_set",
  "resumed"), inside the change's transaction. Payments proposes 补发 from them. "terminated" too: the
  low-income register drops the enrolment's members."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jiuzhu.core.errors import PeriodLocked

PaymentLock = Callable[[str], str | None]  # (county code) -> the reason payment is frozen, or None

payment_locks: list[PaymentLock] = []


def register_payment_lock(fn: PaymentLock) -> None:
    if fn not in payment_locks:
        payment_locks.append(fn)


def lock_reason(county_code: str) -> str | None:
    """Why payment-affecting business is frozen in this county now, or None."""
    for lock in payment_locks:
        if reason := lock(county_code):
            return reason
    return None


def ensure_open(county_code: str) -> None:
    if reason := lock_reason(county_code):
        raise PeriodLocked(reason)


# (event, enrolment, acting user, details) -> None
EnrolmentListener = Callable[[str, Any, Any, dict[str, Any]], None]

enrolment_listeners: list[EnrolmentListener] = []


def register_enrolment_listener(fn: EnrolmentListener) -> None:
    if fn not in enrolment_listeners:
        enrolment_listeners.append(fn)


def notify(event: str, enrolment: Any, by: Any, **details: Any) -> None:
    for listener in enrolment_listeners:
        listener(event, enrolment, by, details)
