"""The departments' monthly files (比对): one module per source, each a `SourceLayout` (`sources.base`) — the
columns it reads, what each of its records (事项) means as a monitoring warning, and which matched rows make one.
The import engine (`monitoring.watch_import`) is shared by all of them; the layouts are documented in
docs/monitoring-files.md."""

from __future__ import annotations

from jiuzhu.core.errors import ValidationFailed
from jiuzhu.monitoring.sources import budongchan, canlian, gongan, renshe, shichang, yibao
from jiuzhu.monitoring.sources.base import ID_HEADERS, RECORD_HEADERS, Record, Row, SourceLayout

LAYOUTS: dict[str, SourceLayout] = {}


def register(layout: SourceLayout) -> None:
    LAYOUTS[layout.code] = layout


def layout_of(code: str) -> SourceLayout:
    try:
        return LAYOUTS[code]
    except KeyError:
        raise ValidationFailed("请选择比对数据来源", field_errors={"source": "无效"}) from None


def load() -> None:
    """Register every source (at start-up)."""
    for module in (gongan, renshe, yibao, canlian, budongchan, shichang):
        register(module.LAYOUT)


__all__ = ["ID_HEADERS", "LAYOUTS", "RECORD_HEADERS", "Record", "Row", "SourceLayout"]
