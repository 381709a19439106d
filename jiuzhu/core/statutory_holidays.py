"""The statutory holidays that 全国年节及纪念日放假办法 fixes, for a year whose arrangement is not published (P7a).

The State Council's yearly arrangement (调休) moves days around, but the holidays themselves are law: which ones,
how many days, on which solar, lunar or solar-term date. The revisions of the law are data
(`statutory_holidays.json`); the lunar dates and the solar term come from `lunar_python`, which computes them
astronomically for any year (no table that runs out). Holidays falling on a weekend add nothing here: the days
given in compensation are part of the yearly arrangement, unknown until it is published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from lunar_python import Lunar

RULES_FILE = Path(__file__).with_name("statutory_holidays.json")


@dataclass(frozen=True)
class Revision:
    effective_from: date
    source: str
    holidays: tuple[dict, ...]


@cache
def revisions() -> tuple[Revision, ...]:
    entries = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    out = [
        Revision(date.fromisoformat(e["effective_from"]), e["source"], tuple(e["holidays"])) for e in entries
    ]
    return tuple(sorted(out, key=lambda r: r.effective_from))


def revision_for(year: int) -> Revision | None:
    """The revision in force on 1 January of `year` (revisions take effect at a year's start)."""
    found = None
    for revision in revisions():
        if revision.effective_from <= date(year, 1, 1):
            found = revision
    return found


def lunar_to_solar(year: int, month: int, day: int) -> date:
    """The Gregorian date of day `day` of (non-leap) lunar month `month` of the lunar year starting in `year`."""
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def solar_term(year: int, name: str) -> date:
    """The day of solar term `name` (e.g. 清明) in `year`, Beijing time."""
    solar = Lunar.fromYmd(year, 3, 1).getJieQiTable()[name]
    found = date(solar.getYear(), solar.getMonth(), solar.getDay())
    if found.year != year:
        raise ValueError(f"solar term {name} of {year} computed as {found}")
    return found


def _first_day(year: int, rule: dict) -> date:
    kind = rule["calendar"]
    if kind == "solar":
        start = date(year, rule["month"], rule["day"])
    elif kind == "lunar":
        start = lunar_to_solar(year, rule["month"], rule["day"])
    elif kind == "solar_term":
        start = solar_term(year, rule["term"])
    else:
        raise ValueError(f"unknown calendar {kind!r} in {RULES_FILE.name}")
    return start + timedelta(days=rule.get("offset", 0))


@cache
def holidays(year: int) -> dict[date, str]:
    """Day → holiday name of the statutory holidays of `year`; empty before the first revision on file.

    Two holidays on one day (中秋 on 1 October) count once, named after both: the law gives no extra day
    without the yearly arrangement, which is unknown here."""
    revision = revision_for(year)
    if revision is None:
        return {}
    days: dict[date, str] = {}
    for rule in revision.holidays:
        first = _first_day(year, rule)
        for i in range(rule["days"]):
            day = first + timedelta(days=i)
            if day.year == year:
                days[day] = f"{days[day]}、{rule['name']}" if day in days else rule["name"]
    return dict(sorted(days.items()))
