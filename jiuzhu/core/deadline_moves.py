"""Deadlines that depend on the calendar, and how loading a year's arrangement moves them (P7a).

Apps register a `Source` for each kind of deadline they keep (cases: the P7 time limit, worked out when asked;
the P8 registration date, stored). A source collects the open deadlines a year can move, each as users see it
now and with a way to work it out again without a query; `moves_if_loaded` works each out again as if the year
were loaded (`workdays.assuming`) — the preview of the calendar page, and the list the load then writes and
audits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import models

from jiuzhu.core import workdays


@dataclass(frozen=True)
class Tracked:
    key: str  # unique within its source
    obj: models.Model  # whose timeline shows the move (a case)
    due_on: date  # as users see it now
    recompute: Callable[[], date]  # the same deadline by the calendar in force when called; no query
    url: str = ""  # the object's page, for the preview


@dataclass(frozen=True)
class Move:
    source: Source
    key: str
    obj: models.Model
    before: date
    after: date
    url: str = ""

    @property
    def area_code(self) -> str:
        return getattr(self.obj, "area_code", "") or ""


@dataclass(frozen=True)
class Source:
    name: str
    label: str  # what the deadline is called on the page and in the audit trail
    action: str  # the audit action of one moved deadline, e.g. "case.deadline_moved"
    collect: Callable[[int], list[Tracked]]  # the open deadlines that `year`'s arrangement can move
    store: Callable[[list[Move]], None] | None = None  # writes moved deadlines that are stored


_sources: list[Source] = []


def register(source: Source) -> None:
    if all(s.name != source.name for s in _sources):
        _sources.append(source)


def sources() -> list[Source]:
    return list(_sources)


@dataclass(frozen=True)
class Recalculation:
    checked: dict[str, int]  # source name → open deadlines the year could move
    moves: list[Move]

    def counts(self) -> dict[str, dict[str, int]]:
        """Per source: how many deadlines were looked at and how many move (for the audit event)."""
        out = {name: {"checked": n, "moved": 0} for name, n in self.checked.items()}
        for m in self.moves:
            out[m.source.name]["moved"] += 1
        return out


def moves_if_loaded(year: int, days: dict[date, tuple[bool, str]]) -> Recalculation:
    """What loading `days` (day → (workday, name)) for `year` would move. Reads only."""
    checked: dict[str, int] = {}
    moves: list[Move] = []
    for source in _sources:
        items = source.collect(year)  # as things stand, outside the assumption
        checked[source.name] = len(items)
        with workdays.assuming(year, days):
            for item in items:
                after = item.recompute()
                if after != item.due_on:
                    moves.append(Move(source, item.key, item.obj, item.due_on, after, item.url))
    return Recalculation(checked, moves)
