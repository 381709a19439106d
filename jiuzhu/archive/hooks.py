"""What apps above the archive add to the household file (一户一档, AR1), registered at start-up (in their
`AppConfig.ready`) so that the archive never imports them.

- `household_file_sections`: functions (user, household) → a `FileSection` (or None to leave it out), e.g. the
  household's assistance chain (一户一条救助链), which monitoring adds. Each section is shown on the household
  file page, returned by its API and printed in the index PDF of the archive download, rows in time order.
  The household was fetched through the scoped selector before a section is asked for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jiuzhu.registry.models import Household


@dataclass(frozen=True)
class SectionRow:
    on: date
    kind: str  # Chinese label, shown as is
    title: str
    department: str = ""
    amount: str = ""  # formatted money, when the row is money paid
    detail: str = ""
    url: str = ""


@dataclass(frozen=True)
class FileSection:
    key: str  # stable identifier (the API's and the page's anchor)
    title: str  # Chinese heading
    rows: list[SectionRow]
    note: str = ""  # one line under the heading (what the section shows)
    warnings: list[str] = field(default_factory=list)  # shown above the rows, e.g. a need met twice


HouseholdFileSection = Callable[[Any, Household], FileSection | None]  # (user, household)
household_file_sections: list[HouseholdFileSection] = []


def register_household_file_section(fn: HouseholdFileSection) -> None:
    if fn not in household_file_sections:
        household_file_sections.append(fn)


def sections_for(user: Any, household: Household) -> list[FileSection]:
    """Every registered section of this household's file, its rows sorted by day (stable within a day)."""
    out = []
    for fn in household_file_sections:
        section = fn(user, household)
        if section is not None:
            rows = sorted(section.rows, key=lambda r: r.on)
            out.append(FileSection(section.key, section.title, rows, section.note, list(section.warnings)))
    return out
