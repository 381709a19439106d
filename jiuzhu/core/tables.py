"""The one reader of the spreadsheets users upload (households, near relatives, deaths, bank results,
holidays): .xlsx or .csv, the type judged by the content (magic bytes), the file checked against the limits
in settings before anything is parsed, the rows streamed.

- xlsx: the zip's directory (entries, declared sizes, compression ratios) and the first sheet's declared
  `<dimension>` are read here, a few kilobytes, streaming. The sheet itself is parsed in a child process
  under memory and CPU limits (`core.sheet_parser`): a workbook that makes the native parser allocate
  hundreds of gigabytes or crash fails only its own upload, with a message, never the web server or the
  worker.
- csv: UTF-8 with or without BOM, UTF-16 with BOM, otherwise GB18030 (the superset of GBK that Chinese
  Excel writes); read line by line with caps on the line length, the columns and the rows.

Use: `with open_table(name, source, what="死亡信息文件") as table: for row in table.rows: …` — rows are
lists of stripped text cells, the header first (so the n-th row is line n of the file).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import re
import signal
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO

from django.conf import settings

from jiuzhu.core.errors import ValidationFailed

log = logging.getLogger(__name__)

XLSX, CSV = "xlsx", "csv"
PARSER_SCRIPT = Path(__file__).with_name("sheet_parser.py")
MB = 1024 * 1024
_HEAD = 8192
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls/.doc, and password-protected workbooks
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_MAX_ENTRIES = 10_000  # a workbook has a few dozen parts
_SMALL_PART = MB  # parts this small cannot hurt, whatever their compression ratio
_XML_READ = 1 << 20  # the workbook part and its relationships: read at most this much
_DIMENSION_READ = 64 * 1024
_DECODE_CHUNK = 256 * 1024  # <dimension> comes before the cells
_MESSAGE_BYTES = 256 * MB  # one line from the parser: a chunk of rows, at most ~1 MB unless a row is huge
_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\s+ref="([^"]*)"')
_SHEET = re.compile(rb"<(?:[\w.-]+:)?sheet\s[^>]*>")
_REL_ID = re.compile(rb'\s[\w.-]+:id="([^"]*)"')
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\s[^>]*>")
_ATTR = re.compile(rb'\s(Id|Target)="([^"]*)"')
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")  # never in a text file


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_columns: int
    max_cells: int
    max_unpacked: int
    max_ratio: int
    max_line: int
    parser_memory: int
    parser_seconds: int


def limits() -> Limits:
    return Limits(
        max_bytes=settings.IMPORT_MAX_BYTES,
        max_rows=settings.IMPORT_MAX_ROWS,
        max_columns=settings.IMPORT_MAX_COLUMNS,
        max_cells=settings.IMPORT_MAX_CELLS,
        max_unpacked=settings.IMPORT_MAX_UNPACKED_BYTES,
        max_ratio=settings.IMPORT_MAX_RATIO,
        max_line=settings.IMPORT_MAX_LINE_CHARS,
        parser_memory=settings.IMPORT_PARSER_MEMORY_BYTES,
        parser_seconds=settings.IMPORT_PARSER_SECONDS,
    )


@dataclass
class Table:
    kind: str  # XLSX | CSV
    total: int  # rows in the file, the header included (a CSV's: its line count, about)
    rows: Iterator[list[str]]


def refused(message: str, reason: str = "无法读取") -> ValidationFailed:
    return ValidationFailed(message, field_errors={"file": [reason]})


# --- the checks before parsing ------------------------------------------------------------------------


def check_table(name: str, source: bytes | IO[bytes], *, what: str = "文件") -> str:
    """Refuse at once what must not be parsed: too large, not .xlsx/.csv by its content, a zip bomb, a
    sheet declaring more rows, columns or cells than the limits, a CSV line far too long. Reads a few
    kilobytes, never the sheet. Returns the kind (XLSX or CSV)."""
    fh = _binary(source)
    lim = limits()
    fh.seek(0, io.SEEK_END)
    size = fh.tell()
    fh.seek(0)
    if size > lim.max_bytes:
        raise refused(f"{what}过大：{size / MB:.1f} MB，超过 {lim.max_bytes // MB} MB 上限", "过大")
    if size == 0:
        raise refused("文件是空的", "空文件")
    head = fh.read(_HEAD)
    fh.seek(0)
    kind = _kind(name, head, what)
    if kind == XLSX:
        _inspect_workbook(fh, name, what, lim)
    else:
        _check_first_line(fh, what, lim)
    fh.seek(0)
    return kind


def _binary(source: bytes | IO[bytes]) -> IO[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(source)
    source.seek(0)
    return source


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot + 1 :].lower() if dot >= 0 else ""


def _content_label(head: bytes) -> str | None:
    """What binary content is, in Chinese; None for text."""
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return None
    if head.startswith(_ZIP):
        return "压缩文件（如 .xlsx 工作簿或 .zip 压缩包）"
    if head.startswith(_OLE):
        return "旧版 Office 文件（如 .xls）或加密的工作簿"
    import filetype

    binary = _CONTROL.search(head) is not None
    guess = filetype.guess(head)
    # Some signatures are two printable letters ("BM" is a bitmap): text that starts so is still text.
    if guess is not None and (binary or guess.mime == "application/pdf"):
        return f"{guess.extension.upper()} 文件"
    return "二进制文件" if binary else None


def _kind(name: str, head: bytes, what: str) -> str:
    extension = _extension(name or "")
    if extension not in (XLSX, CSV):
        raise refused(f"{what}只支持 .xlsx 或 .csv 格式，“{name}”不是", "类型不符")
    label = _content_label(head)
    if extension == XLSX:
        if head.startswith(_ZIP):
            return XLSX
        hint = "，请在 Excel 中另存为 .xlsx 工作簿" if head.startswith(_OLE) else ""
        raise refused(
            f"{what}只支持 .xlsx 或 .csv：“{name}”名为 Excel 工作簿，内容却是{label or '文本'}{hint}",
            "类型不符",
        )
    if label is not None:
        raise refused(f"{what}只支持 .xlsx 或 .csv：“{name}”名为 CSV 文件，内容却是{label}", "类型不符")
    return CSV


def _inspect_workbook(fh: IO[bytes], name: str, what: str, lim: Limits) -> None:
    unreadable = f"{what}无法读取：“{name}”不是有效的 Excel 工作簿（文件已损坏，或并非 .xlsx）"
    try:
        book = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise refused(unreadable) from None
    with book:
        parts = book.infolist()
        unpacked = sum(p.file_size for p in parts)
        bomb = f"{what}已拒收：解压后将有 {unpacked / MB:,.0f} MB"
        if len(parts) > _MAX_ENTRIES:
            raise refused(f"{what}已拒收：压缩包内有 {len(parts):,} 个文件，不是正常的 Excel 工作簿")
        if unpacked > lim.max_unpacked:
            raise refused(f"{bomb}，超过 {lim.max_unpacked // MB:,} MB 上限（疑似“压缩炸弹”）", "过大")
        for part in parts:
            if part.file_size > _SMALL_PART and part.file_size > lim.max_ratio * max(part.compress_size, 1):
                raise refused(
                    f"{bomb}，其中“{part.filename}”压缩比超过 {lim.max_ratio} 倍（疑似“压缩炸弹”）", "过大"
                )
        names = {p.filename for p in parts}
        if "xl/workbook.xml" not in names:
            what_it_is = "Word 文档" if "word/document.xml" in names else "压缩包"
            raise refused(f"{what}无法读取：“{name}”不是 Excel 工作簿，而是{what_it_is}")
        try:
            sheet = _first_sheet(book, names)
            declared = _declared_dimension(book, sheet) if sheet else None
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
            raise refused(unreadable) from None
    if sheet is None:
        raise refused(f"{what}无法读取：工作簿中没有工作表")
    if declared is not None:
        ref, rows, columns = declared
        check_extent(rows, columns, what=what, ref=ref)


def _read_part(book: zipfile.ZipFile, name: str, size: int) -> bytes:
    with book.open(name) as part:
        return part.read(size)  # never more, whatever the part's header claims


def _first_sheet(book: zipfile.ZipFile, names: set[str]) -> str | None:
    """The part of the workbook's first sheet (the one parsed): workbook.xml's first <sheet>, through the
    workbook's relationships."""
    fallback = "xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in names else None
    first = _SHEET.search(_read_part(book, "xl/workbook.xml", _XML_READ))
    rid = _REL_ID.search(first.group(0)) if first else None
    if rid is None or "xl/_rels/workbook.xml.rels" not in names:
        return fallback
    for rel in _RELATIONSHIP.finditer(_read_part(book, "xl/_rels/workbook.xml.rels", _XML_READ)):
        attrs = dict(_ATTR.findall(rel.group(0)))
        if attrs.get(b"Id") == rid.group(1) and b"Target" in attrs:
            target = attrs[b"Target"].decode("utf-8", "replace")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            return path if path in names else fallback
    return fallback


def _declared_dimension(book: zipfile.ZipFile, sheet: str) -> tuple[str, int, int] | None:
    """The sheet's declared range (`<dimension ref="A1:Q200001"/>`) as (ref, rows, columns), counted from
    A1 as the parser does; None when the sheet declares none (then the child's limits still hold)."""
    match = _DIMENSION.search(_read_part(book, sheet, _DIMENSION_READ))
    if match is None:
        return None
    ref = match.group(1).decode("ascii", "replace").upper()
    cell = _CELL.match(ref.split(":")[-1])
    if cell is None:
        return None
    return ref, int(cell.group(2)), _column_number(cell.group(1))


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def check_extent(rows: int, columns: int, *, what: str, ref: str = "") -> None:
    lim = limits()
    if rows <= lim.max_rows and columns <= lim.max_columns and rows * columns <= lim.max_cells:
        return
    where = f"为 {ref}，" if ref else ""
    raise refused(
        f"{what}已拒收：工作表范围{where}共 {rows:,} 行、{columns:,} 列，超过导入上限"
        f"（{lim.max_rows:,} 行、{lim.max_columns:,} 列、{lim.max_cells:,} 个单元格）。"
        "请把有数据的区域复制到新工作簿后重新上传",
        "范围过大",
    )


def _check_first_line(fh: IO[bytes], what: str, lim: Limits) -> None:
    """An enormous first line (10⁶ columns, or not a table at all) is refused from its first bytes."""
    head = fh.read(lim.max_line * 4 + 4)  # up to 4 bytes a character
    fh.seek(0)
    newline = head.find(b"\n")
    if newline < 0 and len(head) > lim.max_line * 4:
        raise _line_too_long(what, 1, lim)
    first = head if newline < 0 else head[:newline]
    columns = max(first.count(b","), first.count(b"\t")) + 1
    if columns > lim.max_columns:
        raise _too_many_columns(what, 1, columns, lim)


def _line_too_long(what: str, line: int, lim: Limits) -> ValidationFailed:
    return refused(
        f"{what}已拒收：第{line}行超过 {lim.max_line:,} 个字符，列数或内容远超正常表格（可能不是 CSV 文件）",
        "行过长",
    )


def _too_many_columns(what: str, line: int, columns: int, lim: Limits) -> ValidationFailed:
    return refused(f"{what}已拒收：第{line}行有 {columns:,} 列，超过 {lim.max_columns:,} 列上限", "列数过多")


def _too_many_rows(what: str, lim: Limits) -> ValidationFailed:
    return refused(f"{what}已拒收：超过 {lim.max_rows:,} 行上限，请分成几个文件导入", "行数过多")


# --- reading ------------------------------------------------------------------------------------------


@contextmanager
def open_table(name: str, source: bytes | IO[bytes], *, what: str = "文件") -> Iterator[Table]:
    """The checked table, its rows streamed. A refusal (before or while reading) is a ValidationFailed
    with a Chinese message naming `what`; leaving the block stops the workbook parser if still running."""
    fh = _binary(source)
    kind = check_table(name, fh, what=what)
    if kind == XLSX:
        with _parse_workbook(fh, what) as table:
            yield table
        return
    encoding, lines = _csv_encoding(fh, what)
    lim = limits()
    if lines > lim.max_rows + 1:
        raise _too_many_rows(what, lim)
    text = io.TextIOWrapper(fh, encoding=encoding, newline="")
    try:
        yield Table(CSV, lines, _csv_rows(_lines(text, what, lim), what, lim))
    finally:
        text.detach()  # the caller's file stays open


def text_lines(text: str, *, what: str = "数据") -> Iterator[str]:
    """Lines of text typed or pasted into a form, with the same line-length and row limits as a file."""
    return _lines(io.StringIO(text), what, limits())


def text_rows(text: str, *, what: str = "数据") -> Iterator[list[str]]:
    """Rows of CSV text typed or pasted into a form, with the same limits as a file."""
    lim = limits()
    return _csv_rows(_lines(io.StringIO(text), what, lim), what, lim)


def _csv_encoding(fh: IO[bytes], what: str) -> tuple[str, int]:
    """The encoding, by BOM or by which decodes the whole file, and the file's line count."""
    head = fh.read(4)
    fh.seek(0)
    declared = next((encoding for bom, encoding in _BOMS if head.startswith(bom)), None)
    for encoding in (declared,) if declared else ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        lines, last = 0, b""
        try:
            while chunk := fh.read(_DECODE_CHUNK):
                decoder.decode(chunk)
                lines += chunk.count(b"\n")
                last = chunk
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            fh.seek(0)
            continue
        fh.seek(0)
        return encoding, lines + (1 if last and not last.endswith(b"\n") else 0)
    raise refused(f"{what}的文字编码无法识别，请在 Excel 中另存为“CSV UTF-8”或 GBK 编码的 CSV", "编码")


def _lines(text: IO[str], what: str, lim: Limits) -> Iterator[str]:
    number = 0
    while line := text.readline(lim.max_line + 1):
        number += 1
        if len(line) > lim.max_line:
            raise _line_too_long(what, number, lim)
        yield line


def _csv_rows(lines: Iterator[str], what: str, lim: Limits) -> Iterator[list[str]]:
    first = next(lines, None)
    if first is None:
        return
    # Excel's "Unicode text" is tab-separated.
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(chain((first,), lines), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            if len(row) > lim.max_columns:
                raise _too_many_columns(what, number, len(row), lim)
            if number > lim.max_rows + 1:
                raise _too_many_rows(what, lim)
            yield list(map(str.strip, row))
    except csv.Error as exc:
        raise refused(f"{what}第{reader.line_num}行无法读取：{exc}") from None


@contextmanager
def _parse_workbook(fh: IO[bytes], what: str) -> Iterator[Table]:
    """The workbook parsed by a child process (see core.sheet_parser), its rows read as they come."""
    lim = limits()
    command = [sys.executable, "-I", str(PARSER_SCRIPT), str(lim.parser_memory), str(lim.parser_seconds)]
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(  # noqa: S603 - our own script with numbers for arguments; the file goes to stdin
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            env={"RUST_BACKTRACE": "0"},  # nothing else: no keys or database address for a hostile file
        ) as process,
    ):
        try:
            _feed(process, fh)
            messages = _messages(process, what)
            first = next(messages, None)
            if not isinstance(first, dict) or "rows" not in first:
                raise _failure(process, errors, first, what, lim)
            check_extent(first["rows"], first["columns"], what=what)
            yield Table(XLSX, first["rows"], _workbook_rows(process, errors, messages, what, lim))
        finally:
            if process.poll() is None:
                process.kill()


def _feed(process: subprocess.Popen, fh: IO[bytes]) -> None:
    """The whole file to the child's stdin (it reads all before it writes anything)."""
    assert process.stdin is not None
    with suppress(OSError):  # the child is gone: reported when its output ends early
        while chunk := fh.read(MB):
            process.stdin.write(chunk)
    with suppress(OSError):
        process.stdin.close()


def _messages(process: subprocess.Popen, what: str) -> Iterator:
    assert process.stdout is not None
    while line := process.stdout.readline(_MESSAGE_BYTES):
        if not line.endswith(b"\n"):
            raise refused(f"{what}已拒收：某一行的内容过长")
        yield json.loads(line)


def _workbook_rows(
    process: subprocess.Popen, errors: IO[bytes], messages: Iterator, what: str, lim: Limits
) -> Iterator[list[str]]:
    for message in messages:
        if isinstance(message, list):
            yield from message
        elif message.get("end"):
            return
        else:
            raise _failure(process, errors, message, what, lim)
    raise _failure(process, errors, None, what, lim)


def _failure(
    process: subprocess.Popen, errors: IO[bytes], message: dict | None, what: str, lim: Limits
) -> ValidationFailed:
    """Why the workbook could not be read: the parser refused it, ran out of memory or time, or died."""
    if message and message.get("refused") == "unreadable":
        return refused(f"{what}无法读取：文件已损坏或不是 .xlsx 工作簿（{message.get('detail', '')}）")
    status = None
    if not message:
        try:
            status = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        errors.seek(0)
        log.warning(
            "spreadsheet parser ended with status %s: %s",
            status,
            errors.read(2000).decode("utf-8", "replace"),
        )
    if status == -signal.SIGXCPU:
        return refused(f"{what}无法读取：解析超过 {lim.parser_seconds} 秒仍未完成，已停止")
    return refused(
        f"{what}无法读取：解析时超出内存上限（{lim.parser_memory // MB:,} MB）或解析程序异常退出。"
        "常见原因是工作表中有相距极远的单元格（例如 A1 与 XFD1048576），也可能是文件已损坏。"
        "请把有数据的区域复制到新工作簿后重新上传"
    )
