"""Working days (P7): statutory holidays and make-up working days (调休) respected.

Sources, in order: days an administrator loaded into the database (they correct and extend the
package), then the `chinese-calendar` package, then Monday–Friday. A result that needed the last
fallback is *provisional*: the year's holidays are not known yet, so a deadline may move once they are.
"""

from __future__ import annotations

import threading
import time as _time
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

_CACHE_SECONDS = 300
_cache_lock = threading.Lock()
_year_cache: dict[int, tuple[float, bool, dict[date, tuple[bool, str]]]] = {}


@dataclass(frozen=True)
class DayInfo:
    day: date
    workday: bool
    known: bool
    name: str = ""


@dataclass(frozen=True)
class WorkdayResult:
    date: date
    provisional: bool


@dataclass(frozen=True)
class WorkdayCount:
    days: int
    provisional: bool


def invalidate() -> None:
    with _cache_lock:
        _year_cache.clear()


def _year(year: int) -> tuple[bool, dict[date, tuple[bool, str]]]:
    now = _time.monotonic()
    with _cache_lock:
        hit = _year_cache.get(year)
        if hit and now - hit[0] < _CACHE_SECONDS:
            return hit[1], hit[2]
    from jiuzhu.core.models import CalendarDay, CalendarYear

    loaded = CalendarYear.objects.filter(year=year).exists()
    days = {
        d.date: (d.is_workday, d.name)
        for d in CalendarDay.objects.filter(date__year=year).only("date", "is_workday", "name")
    }
    with _cache_lock:
        _year_cache[year] = (now, loaded, days)
    return loaded, days


def day_info(day: date) -> DayInfo:
    loaded, overrides = _year(day.year)
    if day in overrides:
        workday, name = overrides[day]
        return DayInfo(day, workday, True, name)
    if loaded:
        return DayInfo(day, day.weekday() < 5, True)
    try:
        on_holiday, holiday_name = chinese_calendar.get_holiday_detail(day)
        workday = chinese_calendar.is_workday(day)
    except NotImplementedError:
        return DayInfo(day, day.weekday() < 5, False)
    name = ""
    if holiday_name:
        name = _HOLIDAY_NAMES.get(str(holiday_name), str(holiday_name))
    return DayInfo(day, workday, True, name if on_holiday or workday != (day.weekday() < 5) else "")


def is_known_year(year: int) -> bool:
    loaded, _ = _year(year)
    if loaded:
        return True
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def add_working_days(start: date, days: int) -> WorkdayResult:
    """`start` + `days` working days. The start day does not count; a result on a rest day moves to the
    next working day (so with days=0 a rest day moves forward and a working day stays)."""
    if days < 0:
        raise ValueError("days must be zero or more")
    current = start
    provisional = not day_info(start).known
    if days == 0:
        while not (info := day_info(current)).workday:
            provisional |= not info.known
            current += timedelta(days=1)
        return WorkdayResult(current, provisional or not day_info(current).known)
    counted = 0
    while counted < days:
        current += timedelta(days=1)
        info = day_info(current)
        provisional |= not info.known
        if info.workday:
            counted += 1
    return WorkdayResult(current, provisional)


def working_days_between(start: date, end: date) -> WorkdayCount:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    provisional = False
    current = start
    while current < end:
        current += timedelta(days=1)
        info = day_info(current)
        provisional |= not info.known
        if info.workday:
            count += 1
    return WorkdayCount(count, provisional)


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
