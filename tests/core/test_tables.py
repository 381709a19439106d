"""The one reader of uploaded spreadsheets (core.tables): type by content, encodings, limits checked before
parsing, workbooks parsed in a child process, rows streamed."""

import csv
import io
import tracemalloc
from datetime import date, datetime

import pytest
import xlsxwriter

from jiuzhu.core import tables
from jiuzhu.core.arrangement import parse_arrangement as parse_holiday_text
from jiuzhu.core.errors import ValidationFailed
from tests import hostile


def _rows(name: str, content: bytes, what: str = "文件") -> list[list[str]]:
    with tables.open_table(name, content, what=what) as table:
        return list(table.rows)


def _refusal(name: str, content: bytes, what: str = "文件") -> str:
    with pytest.raises(ValidationFailed) as caught:
        _rows(name, content, what)
    return caught.value.message


def _xlsx(rows: list[list]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, book.add_format({"num_format": "yyyy-mm-dd"}))
            else:
                sheet.write(r, c, value)
    book.close()
    return out.getvalue()


TABLE = [["姓名", "身份证号", "死亡日期"], ["张三", "230502197001010038", "2026-11-15"], ["", "", ""]]


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gbk", b""), ("gb18030", b""), ("utf-16", b"")],
)
def test_csv_in_the_encodings_chinese_excel_writes(encoding, prefix):
    text = io.StringIO()
    csv.writer(text, delimiter="\t" if encoding == "utf-16" else ",").writerows(TABLE)
    content = prefix + text.getvalue().encode(encoding)  # utf-16 writes its BOM itself
    assert _rows("名单.csv", content) == TABLE


def test_a_character_only_gb18030_has_is_read():
    assert _rows("a.csv", "姓名\n㐀㐁\n".encode("gb18030")) == [["姓名"], ["㐀㐁"]]


def test_an_unknown_encoding_is_refused_with_the_fix():
    assert "编码无法识别" in _refusal("a.csv", b"name\n\x80\xff\n")


def test_workbook_cells_come_as_the_text_a_user_typed():
    content = _xlsx([["身份证号", "金额", "日期", "比例"], [" 230502 ", 100.0, datetime(2026, 11, 20), 1.5]])
    assert _rows("a.xlsx", content) == [
        ["身份证号", "金额", "日期", "比例"],
        ["230502", "100", "2026-11-20", "1.5"],
    ]


def test_the_type_is_judged_by_content_not_by_name():
    assert "名为 Excel 工作簿，内容却是PDF 文件" in _refusal("名单.xlsx", hostile.PDF)
    assert "名为 Excel 工作簿，内容却是文本" in _refusal("名单.xlsx", "姓名,身份证号\n".encode())
    old = _refusal("名单.xlsx", hostile.OLD_EXCEL)
    assert "旧版 Office 文件" in old and "另存为 .xlsx" in old
    assert "不是 Excel 工作簿，而是Word 文档" in _refusal("名单.xlsx", hostile.word_document())
    assert "不是有效的 Excel 工作簿" in _refusal("名单.xlsx", b"PK\x03\x04 not really a workbook")
    assert "名为 CSV 文件，内容却是压缩文件" in _refusal("名单.csv", _xlsx([["a"]]))
    assert "名为 CSV 文件，内容却是PNG 文件" in _refusal("名单.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert "只支持 .xlsx 或 .csv 格式" in _refusal("名单.txt", b"a,b\n")
    assert _refusal("空.csv", b"") == "文件是空的"
    assert "内容却是二进制文件" in _refusal("名单.csv", b"\x01\x02\x03abc")
    bmi = _rows("体检.csv", "BMI,姓名\n22,张三\n".encode())  # "BM" starts a bitmap, and this text
    assert bmi == [["BMI", "姓名"], ["22", "张三"]]


def test_the_declared_range_of_a_sheet_is_checked_before_parsing(settings):
    message = _refusal("稀疏.xlsx", hostile.sparse_workbook(), what="名册文件")
    assert message.startswith("名册文件已拒收：工作表范围为 XFD1048576，共 1,048,576 行、16,384 列")
    settings.IMPORT_MAX_ROWS = 10
    declared = hostile.workbook(hostile.sheet({"A1": "姓名", "B20": "x"}, dimension="A1:B20"))
    assert "共 20 行、2 列，超过导入上限（10 行" in _refusal("a.xlsx", declared)
    undeclared = hostile.workbook(hostile.sheet({"A1": "姓名", "B20": "x"}))
    assert "共 20 行、2 列" in _refusal("a.xlsx", undeclared)  # found by the parser, refused before any row


def test_a_sheet_whose_cells_make_the_parser_allocate_512_gib_fails_only_its_child_process():
    """The native parser aborts (SIGABRT) on the memory limit of its process; this one goes on."""
    message = _refusal("稀疏.xlsx", hostile.sparse_workbook_without_dimension(), what="名册文件")
    assert message.startswith("名册文件无法读取：解析时超出内存上限")
    assert "A1 与 XFD1048576" in message
    assert _rows("a.xlsx", _xlsx([["姓名"], ["张三"]])) == [["姓名"], ["张三"]]  # and still reads files


def test_a_parser_killed_before_or_while_sending_rows_is_a_clear_refusal(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "PARSER_SCRIPT", hostile.killed_parser(tmp_path))
    assert "无法读取：解析时超出内存上限" in _refusal("a.xlsx", _xlsx([["姓名"]]))
    midway = '{"rows": 3, "columns": 1}\n[["姓名"], ["张三"]]\n'
    monkeypatch.setattr(tables, "PARSER_SCRIPT", hostile.killed_parser(tmp_path, after=midway))
    with tables.open_table("a.xlsx", _xlsx([["姓名"]])) as table:
        assert next(table.rows) == ["姓名"] and next(table.rows) == ["张三"]
        with pytest.raises(ValidationFailed, match="解析程序异常退出"):
            next(table.rows)


def test_a_parser_over_its_cpu_time_is_stopped(tmp_path, monkeypatch, settings):
    script = tmp_path / "spin.py"
    script.write_text(
        f"import sys\nsys.path.append({str(tables.PARSER_SCRIPT.parent)!r})\n"
        "from sheet_parser import _limit\n"
        "sys.stdin.buffer.read()\n_limit(int(sys.argv[1]), int(sys.argv[2]))\nwhile True: pass\n"
    )
    monkeypatch.setattr(tables, "PARSER_SCRIPT", script)
    settings.IMPORT_PARSER_SECONDS = 1
    assert "解析超过 1 秒仍未完成" in _refusal("a.xlsx", _xlsx([["姓名"]]))


def test_zip_bombs_are_refused_from_the_zip_directory(settings):
    bomb = hostile.zip_bomb(40)
    assert len(bomb) < 200_000
    message = _refusal("bomb.xlsx", bomb)
    assert "压缩比超过 200 倍" in message and "压缩炸弹" in message
    settings.IMPORT_MAX_RATIO = 100_000
    settings.IMPORT_MAX_UNPACKED_BYTES = 10 * 1024 * 1024
    assert "解压后将有 40 MB，超过 10 MB 上限" in _refusal("bomb.xlsx", bomb)


def test_a_csv_with_a_million_columns_is_refused_cheaply():
    content = ("," * 1_000_000 + "\n").encode()
    tracemalloc.start()
    message = _refusal("宽.csv", content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "第1行超过 65,536 个字符" in message
    assert peak < len(content) // 2  # from its first bytes: a parsed row would be 10⁶ strings, ~60 MB


def test_too_many_columns_or_rows_and_a_long_line_later_in_the_file(settings):
    assert "第1行有 201 列，超过 200 列上限" in _refusal("a.csv", ("a," * 200 + "a\n").encode())
    wide_later = ("a,b\n" + "x," * 250 + "x\n").encode()
    assert "第2行有 251 列" in _refusal("a.csv", wide_later)
    long_later = ("a,b\n" + "x" * 70_000 + "\n").encode()
    assert "第2行超过 65,536 个字符" in _refusal("a.csv", long_later)
    settings.IMPORT_MAX_ROWS = 10
    assert "超过 10 行上限" in _refusal("a.csv", "\n".join(["a"] * 30).encode())


def test_rows_are_streamed_not_held(settings):
    """10⁵ rows (6 MB) read with a peak far below what a list of them takes, from a CSV and a workbook."""
    text = io.StringIO()
    csv.writer(text).writerows([f"H{i:06d}", "230502200201", f"安邦村{i}号", "张三"] for i in range(100_000))
    content = text.getvalue().encode("utf-8")
    workbook = _xlsx([[f"H{i:06d}", "230502200201", f"安邦村{i}号"] for i in range(20_000)])
    for name, source, expected in (("a.csv", content, 100_000), ("a.xlsx", workbook, 20_000)):
        tracemalloc.start()
        with tables.open_table(name, io.BytesIO(source)) as table:
            count = sum(1 for _ in table.rows)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert count == expected and peak < 3_000_000, (name, peak)


def test_the_upload_check_reads_only_the_start_of_a_file():
    """check_table is what pages and the API run before storing an upload: type, size, zip directory,
    declared range, first line; not the rows."""
    assert tables.check_table("a.csv", "姓名\n张三\n".encode()) == tables.CSV
    assert tables.check_table("a.xlsx", _xlsx([["姓名"]])) == tables.XLSX
    with pytest.raises(ValidationFailed, match="已拒收：工作表范围"):
        tables.check_table("a.xlsx", hostile.sparse_workbook())


def test_P7_holiday_text_goes_through_the_same_reader():
    rows = parse_holiday_text(2027, "2027-02-06,休,春节\n2027-02-14，班，春节调休\n")
    assert [(r.day, r.is_workday, r.name) for r in rows] == [
        (date(2027, 2, 6), False, "春节"),
        (date(2027, 2, 14), True, "春节调休"),
    ]
    with pytest.raises(ValidationFailed, match="节假日数据已拒收：第1行超过"):
        parse_holiday_text(2027, "x" * 70_000)
