"""Reading the near-relative register from a file (DM2): the columns by their Chinese headers, the role by
its label or code, the date as typed (a bad one is reported by the register's own check, row by row). A
register has a few hundred rows, so it is read at once."""

from __future__ import annotations

from datetime import date
from typing import IO

from jiuzhu.core import tables
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.registry.models import RelativeRole
from jiuzhu.registry.services.relatives import RelativeInput

RELATIVE_HEADERS = {
    "工作人员姓名": "official_name",
    "身份": "official_role",
    "所在单位": "official_unit",
    "近亲属姓名": "relative_name",
    "近亲属身份证号": "relative_id",
    "关系": "relation",
    "登记日期": "registered_on",
}


def _read_table(name: str, content: bytes | IO[bytes]) -> list[dict[str, str]]:
    """A register as dicts keyed by RELATIVE_HEADERS."""
    with tables.open_table(name, content, what="名册文件") as table:
        header = [RELATIVE_HEADERS.get(h) for h in next(table.rows, [])]
        if not any(header):
            raise ValidationFailed("文件是空的，或没有名册的列（工作人员姓名、近亲属姓名等）")
        return [{k: v for k, v in zip(header, row, strict=False) if k} for row in table.rows if any(row)]


def relative_rows(name: str, content: bytes | IO[bytes]) -> list[RelativeInput]:
    """The file's rows as inputs of `relative_import`; refuses a file that is not a register."""
    roles = {label: value for value, label in RelativeRole.choices} | {v: v for v in RelativeRole.values}
    rows = []
    for raw in _read_table(name, content):
        registered: date | None
        try:
            registered = date.fromisoformat(raw.get("registered_on", "").replace("/", "-")[:10])
        except ValueError:
            registered = None  # reported by the check as a missing date
        rows.append(
            RelativeInput(
                raw.get("official_name", ""),
                roles.get(raw.get("official_role", ""), raw.get("official_role", "")),
                raw.get("official_unit", ""),
                raw.get("relative_name", ""),
                raw.get("relative_id", ""),
                raw.get("relation", ""),
                registered,
            )
        )
    return rows
