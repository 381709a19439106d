"""Hostile and odd spreadsheets, built in the test: sparse workbooks, zip bombs, files that lie about
their type, a parser that dies."""

from __future__ import annotations

import io
import zipfile

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS} '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def workbook(sheet_xml: bytes | str, *, parts: dict[str, str] | None = None) -> bytes:
    """A minimal .xlsx whose first sheet is `sheet_xml`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (parts or _PARTS).items():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


def sheet(cells: dict[str, str], *, dimension: str | None = None) -> str:
    """Sheet XML with inline-string cells at the given references (e.g. {"A1": "x", "XFD1048576": "y"})."""
    rows = "".join(
        f'<row r="{ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}">'
        f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c></row>'
        for ref, text in cells.items()
    )
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}>{declared}<sheetData>{rows}</sheetData></worksheet>'


def sparse_workbook() -> bytes:
    """The file that killed the web server and the worker: its only cell at XFD1048576 (1.5 KB)."""
    return workbook(sheet({"XFD1048576": "x"}, dimension="XFD1048576"))


def sparse_workbook_without_dimension() -> bytes:
    """Cells at A1 and XFD1048576 and no declared range: only parsing finds how far apart they are, and the
    parser then allocates 512 GiB (it aborts the process that runs it)."""
    return workbook(sheet({"A1": "身份证号", "XFD1048576": "x"}))


def zip_bomb(megabytes: int = 40) -> bytes:
    """An .xlsx whose sheet inflates from a few dozen kilobytes to `megabytes` of blanks."""
    padding = " " * (megabytes * 1024 * 1024)
    return workbook(sheet({"A1": "身份证号"}).replace("<sheetData>", padding + "<sheetData>"))


def word_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return out.getvalue()


OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # the start of a legacy .xls
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def killed_parser(tmp_path, *, after: str = "") -> str:
    """A stand-in for core/sheet_parser.py that reads the file, writes `after` (protocol lines), and is
    then killed by SIGKILL — as a crash in native code would end it."""
    script = tmp_path / "killed_parser.py"
    script.write_text(
        "import os, signal, sys\n"
        "sys.stdin.buffer.read()\n"
        f"sys.stdout.write({after!r})\n"
        "sys.stdout.flush()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    return str(script)
