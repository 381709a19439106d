"""What a source of 比对 files is: its columns, its records (事项) and the warning each makes, and the rule that
decides which matched rows make one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

from jiuzhu.monitoring.models.watch import Source


@dataclass(frozen=True)
class Record:
    """One kind of record a file may hold (the 事项 column), and the warning it makes."""

    name: str  # as written in the file: 死亡, 迁出 …
    category: str  # WarningCategory
    need: str = "basic"  # the chain's need this warning concerns
    title: str = ""  # how the warning names it (default: the name)


class Row(NamedTuple):  # a tuple: 10⁶ of them are made per file
    """A checked row of a file: the person by ID number (turned into blind indexes, never stored)."""

    line: int
    id_number: str
    record: Record
    on: date
    amount: Decimal | None
    note: str


# (row, whether the person's household is already monitored, the parameter lookup by key) -> make a warning?
MatchRule = Callable[[Row, bool, Callable[[str], object]], bool]


def always(row: Row, monitored: bool, param: Callable[[str], object]) -> bool:
    return True


@dataclass(frozen=True)
class SourceLayout:
    code: str  # Source
    department: str
    records: tuple[Record, ...]
    date_headers: tuple[str, ...]
    amount_headers: tuple[str, ...] = ()
    amount_required: bool = False
    note_headers: tuple[str, ...] = ("说明", "备注")
    rule: MatchRule = always
    rule_text: str = ""  # the match rule, for the import page
    params: tuple[str, ...] = field(default=())  # parameter keys the rule reads

    @property
    def label(self) -> str:
        return Source(self.code).label

    @cached_property  # read for every row of a file
    def record_by_name(self) -> dict[str, Record]:
        return {r.name: r for r in self.records}

    @property
    def single(self) -> Record | None:
        """The record of a file with one kind only (its 事项 column may then be left out)."""
        return self.records[0] if len(self.records) == 1 else None


ID_HEADERS = ("身份证号", "公民身份号码", "身份证号码")
RECORD_HEADERS = ("事项", "变动类型", "类型")
