"""A one-sheet .xlsx written as a stream of bytes: the first bytes leave at once and memory stays constant
however many rows follow (an export of 10^5 rows of a county's register).

An .xlsx is a zip of XML parts. The parts that do not depend on the rows are written first; the sheet is then
deflated row by row into the zip (`zipfile` writes to an unseekable stream with data descriptors), and the
bytes are handed out as they come. Texts are inline strings, so no table of all strings is kept, and an
inline string is never a formula, whatever it starts with (CSV/formula injection, PI1). Column widths are
taken from the header and the first rows.
"""

from __future__ import annotations

import functools
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal
from itertools import chain, islice
from xml.sax.saxutils import escape

from django.utils import timezone

WIDTH_SAMPLE = 200  # rows read before the sheet starts, to size the columns
FLUSH_ROWS = 500  # rows turned into XML at a time
CHUNK = 64 * 1024  # bytes handed out at a time (at least)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
EPOCH = datetime(1899, 12, 30)

# Cell styles, by their index in styles.xml.
PLAIN, HEADER, MONEY, DAY, STAMP, TITLE = range(6)

CONTENT_TYPES = (
    XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    XML_HEAD + f'<Relationships xmlns="{PKG_RELS}">'
    f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    XML_HEAD + f'<Relationships xmlns="{PKG_RELS}">'
    f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELS}/styles" Target="styles.xml"/></Relationships>'
)
_FONT = '<sz val="{}"/><name val="Calibri"/><family val="2"/>'
_THIN = '<{0} style="thin"><color auto="1"/></{0}>'
STYLES = (
    XML_HEAD + f'<styleSheet xmlns="{MAIN}">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="#,##0.00"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/><numFmt numFmtId="166" formatCode="yyyy-mm-dd hh:mm"/>'
    "</numFmts>"
    f'<fonts count="3"><font>{_FONT.format(11)}</font><font><b/>{_FONT.format(11)}</font>'
    f"<font><b/>{_FONT.format(13)}</font></fonts>"
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFE8EEF7"/><bgColor indexed="64"/></patternFill>'
    "</fill></fills>"
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    f"<border>{''.join(_THIN.format(side) for side in ('left', 'right', 'top', 'bottom'))}<diagonal/>"
    "</border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)

# Characters XML 1.0 cannot carry are written the way Excel reads them back (_xHHHH_); a text that already
# looks like such an escape gets its underscore escaped, so it reads back unchanged.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LOOKS_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_BAD_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


class _Sink:
    """Where the zip writes: collects bytes until they are handed out. No seek, so zipfile streams."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._size = 0
        self._position = 0

    def write(self, data: bytes, /) -> int:
        self._parts.append(bytes(data))
        self._size += len(data)
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def pending(self) -> int:
        return self._size

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self._size = 0
        return data


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: str) -> str:
    if "_x" in value:
        value = _LOOKS_ESCAPED.sub(r"_x005F_\1", value)
    if _NOT_XML.search(value):
        value = _NOT_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    return escape(value)


@functools.cache
def _local_zone() -> tzinfo:
    return timezone.get_default_timezone()


def _serial(moment: datetime) -> str:
    return repr((moment - EPOCH).total_seconds() / 86400)


def _cell(ref: str, value, style: int = PLAIN) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "是" if value else "否"
    elif isinstance(value, Decimal):
        return f'<c r="{ref}" s="{MONEY}"><v>{value:f}</v></c>' if value.is_finite() else ""
    elif isinstance(value, datetime):
        if value.utcoffset() is not None:
            value = value.astimezone(_local_zone())
        return f'<c r="{ref}" s="{STAMP}"><v>{_serial(value.replace(tzinfo=None))}</v></c>'
    elif isinstance(value, date):
        return f'<c r="{ref}" s="{DAY}"><v>{(value - EPOCH.date()).days}</v></c>'
    elif isinstance(value, int | float) and not (isinstance(value, float) and not math.isfinite(value)):
        return f'<c r="{ref}"{_style(style)}><v>{value!r}</v></c>'
    return f'<c r="{ref}"{_style(style)} t="inlineStr"><is><t xml:space="preserve">{_text(str(value))}</t></is></c>'


def _style(style: int) -> str:
    return f' s="{style}"' if style else ""


def _row(number: int, values: Sequence, letters: list[str], style: int = PLAIN) -> str:
    cells = "".join(_cell(f"{letters[col]}{number}", v, style) for col, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def _width(value) -> int:
    if isinstance(value, datetime):
        return 17
    if isinstance(value, date):
        return 11
    if isinstance(value, str):
        return len(value.encode("gbk", "replace")) + 2
    return 8


def sheet_name(name: str) -> str:
    return (_BAD_SHEET_NAME.sub("_", name).strip("'") or "Sheet1")[:31]


def xlsx_chunks(
    sheet: str, headers: Sequence[str], rows: Iterable[Sequence], *, title: str = ""
) -> Iterator[bytes]:
    """The workbook, in pieces of about CHUNK bytes; `rows` is read once, as the pieces are asked for."""
    sink = _Sink()
    name = sheet_name(sheet)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        book.writestr("xl/styles.xml", STYLES)
        yield sink.drain()

        source = iter(rows)
        first = list(islice(source, WIDTH_SAMPLE))
        ncols = max([len(headers), *(len(r) for r in first)]) or 1
        letters = [column_letter(c) for c in range(ncols)]
        widths = [max(8, len(h) * 2 + 2) for h in headers] + [8] * (ncols - len(headers))
        for row in first:
            for col, value in enumerate(row):
                widths[col] = min(60, max(widths[col], _width(value)))
        head_row = 2 if title else 1
        cols = "".join(
            f'<col min="{c + 1}" max="{c + 1}" width="{w}" customWidth="1"/>' for c, w in enumerate(widths)
        )
        start = (
            f'{XML_HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{RELS}"><sheetViews><sheetView workbookViewId="0">'
            f'<pane ySplit="{head_row}" topLeftCell="A{head_row + 1}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            f"<cols>{cols}</cols><sheetData>"
        )
        if title:
            start += f'<row r="1">{_cell("A1", title, TITLE)}</row>'
        start += _row(head_row, headers, letters, HEADER)
        last = head_row
        with book.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(start.encode())
            batch: list[str] = []
            for last, row in enumerate(chain(first, source), start=head_row + 1):
                if len(row) > len(letters):
                    letters += [column_letter(c) for c in range(len(letters), len(row))]
                batch.append(_row(last, row, letters))
                if len(batch) >= FLUSH_ROWS:
                    part.write("".join(batch).encode())
                    batch.clear()
                    if sink.pending() >= CHUNK:
                        yield sink.drain()
            end = "".join(batch) + "</sheetData>"
            area = f"A{head_row}:{letters[max(0, len(headers) - 1)]}{last}"
            if last > head_row:
                end += f'<autoFilter ref="{area}"/>'
            part.write((end + "</worksheet>").encode())
        defined = ""
        if last > head_row:
            absolute = re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", area)
            quoted = name.replace("'", "''")
            defined = (
                '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
                f"{escape(chr(39) + quoted + chr(39))}!{absolute}</definedName></definedNames>"
            )
        book.writestr(
            "xl/workbook.xml",
            f'{XML_HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><bookViews><workbookView/></bookViews>'
            f'<sheets><sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/></sheets>'
            f"{defined}</workbook>",
        )
    yield sink.drain()
