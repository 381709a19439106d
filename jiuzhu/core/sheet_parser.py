"""The child process that parses one untrusted workbook (`python -m jiuzhu.core.sheet_parser`).

The parser (python-calamine) is native code: a workbook whose cells lie far apart makes it allocate the
whole rectangle between them (512 GiB for A1 and XFD1048576) and abort the process. Here it runs under an
address-space and a CPU-time limit, so such a file kills only this process and `core.tables` reports it.

Protocol: the workbook's bytes on stdin; on stdout one JSON document a line — first
`{"rows": r, "columns": c}` (the extent from A1 to the last cell, which the parent checks against its
limits before reading on) or `{"refused": reason, …}`, then lists of rows (each a list of text cells), then
`{"end": true}`. No Django here: the child starts in a fraction of a second.
"""

from __future__ import annotations

import datetime
import io
import json
import resource
import sys
from typing import Any

CHUNK_ROWS = 2000
CHUNK_BYTES = 1 << 20


def cell_text(value: Any) -> str:
    """A cell as the text a user typed: integral numbers without ".0" (ID numbers, amounts, references
    typed as numbers), dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else str(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _emit(out, message) -> None:
    out.write(json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")


def _limit(memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


def parse(data: bytes, out) -> None:
    try:
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    except MemoryError:
        _emit(out, {"refused": "memory"})
        return
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics are BaseException: all mean "unreadable"
        _emit(out, {"refused": "unreadable", "detail": str(exc)[:200]})
        return
    del data
    end = sheet.end
    rows, columns = (end[0] + 1, end[1] + 1) if end else (0, 0)
    _emit(out, {"rows": rows, "columns": columns})
    chunk: list[list[str]] = []
    size = 0
    try:
        for row in sheet.iter_rows():
            cells = [c.strip() if type(c) is str else cell_text(c) for c in row]
            chunk.append(cells)
            size += sum(map(len, cells)) + len(cells)
            if len(chunk) >= CHUNK_ROWS or size >= CHUNK_BYTES:
                _emit(out, chunk)
                chunk, size = [], 0
    except MemoryError:
        _emit(out, {"refused": "memory"})
        return
    except BaseException as exc:  # noqa: BLE001 - as above
        _emit(out, {"refused": "unreadable", "detail": str(exc)[:200]})
        return
    if chunk:
        _emit(out, chunk)
    _emit(out, {"end": True})


def main(argv: list[str]) -> int:
    memory_bytes, cpu_seconds = (int(a) for a in argv)
    _limit(memory_bytes, cpu_seconds)
    out = sys.stdout.buffer
    parse(sys.stdin.buffer.read(), out)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
