"""Dates that users enter are facts about the past (paper work is often entered later): never future."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from jiuzhu.core import clock
from jiuzhu.core.errors import ValidationFailed


def ensure_not_future(value: date | datetime | None, label: str, *, field: str = "") -> None:
    if value is None:
        return
    if isinstance(value, datetime):
        if value > clock.now():
            raise ValidationFailed(
                f"{label}不能晚于当前时间（{timezone.localtime(clock.now()):%Y-%m-%d %H:%M}）",
                field_errors={field: "不能晚于当前时间"} if field else None,
            )
        return
    if value > clock.today():
        raise ValidationFailed(
            f"{label}不能晚于今天（{clock.today():%Y-%m-%d}）",
            field_errors={field: "不能晚于今天"} if field else None,
        )


def ensure_not_before(
    value: date | datetime | None,
    earlier: date | datetime | None,
    label: str,
    earlier_label: str,
    *,
    field: str = "",
) -> None:
    if value is None or earlier is None:
        return
    a = value.date() if isinstance(value, datetime) and not isinstance(earlier, datetime) else value
    b = earlier.date() if isinstance(earlier, datetime) and not isinstance(value, datetime) else earlier
    if a < b:
        raise ValidationFailed(
            f"{label}不能早于{earlier_label}（{b:%Y-%m-%d}）",
            field_errors={field: f"不能早于{earlier_label}"} if field else None,
        )


# Full civil capacity at 18 (Civil Code art. 17): statute, not a policy parameter.
ADULT_AGE = 18


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after `day`'s month."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    import calendar

    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))
