"""Working days (P7): statutory holidays and make-up working days (调休) respected.

Sources, in order: days an administrator loaded into the database (they correct and extend the
package), then the `chinese-calendar` package, then the statutory holidays the law fixes (P7a,
`statutory_holidays`) on top of Monday–Friday. A result that needed the last fallback is *provisional*: the
year's arrangement is not published yet, so a deadline may move once its make-up days are known.
"""

from __future__ import annotations

import threading
import time as _time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache, lru_cache

import chinese_calendar

from jiuzhu.core import statutory_holidays
from jiuzhu.core.models import CalendarDay, CalendarYear

_CACHE_SECONDS = 300
_cache_lock = threading.Lock()
_year_cache: dict[int, tuple[float, bool, dict[date, tuple[bool, str]]]] = {}
# A year's arrangement as it would be once loaded, to preview what loading it changes (see `assuming`).
_assumed: ContextVar[dict[int, dict[date, tuple[bool, str]]] | None] = ContextVar("assumed", default=None)


class YearStatus(StrEnum):
    LOADED = "loaded"
    OFFICIAL = "official"
    PROVISIONAL = "provisional"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    YearStatus.LOADED: "已导入（管理员录入的国务院办公厅安排）",
    YearStatus.OFFICIAL: "已公布（chinese-calendar 软件包）",
    YearStatus.PROVISIONAL: "临时（按法定节假日推算，调休上班日未知）",
}


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


@contextmanager
def assuming(year: int, days: dict[date, tuple[bool, str]]) -> Iterator[None]:
    """Inside the block, `year` is calendared as if `days` (day → (workday, name)) had been loaded."""
    current = dict(_assumed.get() or {})
    current[year] = dict(days)
    token = _assumed.set(current)
    try:
        yield
    finally:
        _assumed.reset(token)


@cache
def _package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _year(year: int) -> tuple[bool, dict[date, tuple[bool, str]]]:
    assumed = _assumed.get()
    if assumed and year in assumed:
        return True, assumed[year]
    now = _time.monotonic()
    with _cache_lock:
        hit = _year_cache.get(year)
        if hit and now - hit[0] < _CACHE_SECONDS:
            return hit[1], hit[2]

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
    if not _package_covers(day.year):
        statutory = statutory_holidays.holidays(day.year).get(day)
        if statutory:
            return DayInfo(day, False, False, statutory)
        return DayInfo(day, day.weekday() < 5, False)
    workday, name = _package_day(day)
    return DayInfo(day, workday, True, name)


@lru_cache(maxsize=8192)
def _package_day(day: date) -> tuple[bool, str]:
    """The package's answer for a day, remembered: the package checks every date against the range of its whole
    table (a min and a max over it) on each call, which made the deadline list of 50 cases open for a year spend
    half a second here. Its table never changes while the process runs."""
    on_holiday, holiday_name = chinese_calendar.get_holiday_detail(day)
    workday = chinese_calendar.is_workday(day)
    name = _HOLIDAY_NAMES.get(str(holiday_name), str(holiday_name)) if holiday_name else ""
    return workday, name if on_holiday or workday != (day.weekday() < 5) else ""


def year_status(year: int) -> YearStatus:
    """Where a year's holidays come from: loaded by an administrator, the package, or provisional (P7a)."""
    loaded, _ = _year(year)
    if loaded:
        return YearStatus.LOADED
    if _package_covers(year):
        return YearStatus.OFFICIAL
    return YearStatus.PROVISIONAL


# The State Council publishes the next year's arrangement late in the year: remind from this month on.
REMIND_FROM_MONTH = 11


def years_to_load(today: date) -> list[int]:
    """Years whose arrangement an administrator should load now: the current year while it is provisional,
    and from November the next one (P7a)."""
    years = [today.year] if year_status(today.year) == YearStatus.PROVISIONAL else []
    if today.month >= REMIND_FROM_MONTH and year_status(today.year + 1) == YearStatus.PROVISIONAL:
        years.append(today.year + 1)
    return years


def is_known_year(year: int) -> bool:
    return year_status(year) != YearStatus.PROVISIONAL


def special_days(year: int) -> list[DayInfo]:
    """The days of `year` that are not plain Monday–Friday work or weekend rest, or that carry a holiday
    name (a weekend inside a holiday), in date order."""
    out = []
    day = date(year, 1, 1)
    while day.year == year:
        info = day_info(day)
        if info.workday != (day.weekday() < 5) or info.name:
            out.append(info)
        day += timedelta(days=1)
    return out


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
