"""Reading the small spreadsheets users upload (bank results, death records): .xlsx or .csv, the type
checked by content, not by name."""

from __future__ import annotations

import csv
import io

from jiuzhu.core.errors import ValidationFailed

MAX_BYTES = 20 * 1024 * 1024


def read_table(name: str, content: bytes, *, what: str = "文件") -> list[list[str]]:
    """Rows of the first sheet as text cells; CSV in UTF-8 or GB18030 (what Chinese Excel writes)."""
    if len(content) > MAX_BYTES:
        raise ValidationFailed(
            f"{what}过大（不超过 {MAX_BYTES // 1024 // 1024} MB）", field_errors={"file": ["过大"]}
        )
    lower = name.lower()
    if lower.endswith(".xlsx") and content[:4] == b"PK\x03\x04":
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
        return [["" if c is None else str(c).strip() for c in row] for row in sheet]
    if lower.endswith(".csv") and b"\x00" not in content[:1024]:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return [[c.strip() for c in row] for row in csv.reader(io.StringIO(content.decode(encoding)))]
            except UnicodeDecodeError:
                continue
    raise ValidationFailed(
        f"{what}只支持 .xlsx 或 .csv，且内容须与扩展名一致", field_errors={"file": ["类型不符"]}
    )
