"""The household import's file: one row per member, the template's columns (rows with the same 户编号 form
one household), the words accepted for each choice, and reading a table's rows by field name."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

from jiuzhu.core import idnumber, tables
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.registry.models import Disability, Employment, Relation, Schooling, UrbanRural, WorkAbility

COLUMNS = [
    ("household_key", "户编号", True),
    ("area_code", "村（社区）代码", True),
    ("address", "住址", True),
    ("urban_rural", "城乡", False),
    ("hukou_area_code", "户籍地代码", False),
    ("phone", "联系电话", False),
    ("name", "姓名", True),
    ("id_number", "身份证号", True),
    ("relation", "与户主关系", True),
    ("disability", "残疾类别", False),
    ("disability_grade", "残疾等级", False),
    ("work_ability", "劳动能力", False),
    ("serious_illness", "是否患重病", False),
    ("schooling", "在学情况", False),
    ("employment", "就业状况", False),
    ("covered", "计入保障人数", False),
    ("covered_note", "不计入原因", False),
]
HEADER_TO_FIELD = {label: name for name, label, _ in COLUMNS}
LABELS = {name: label for name, label, _ in COLUMNS}
REQUIRED = [name for name, _, required in COLUMNS if required]


def _by_label(choices: Iterable[tuple[str, str]]) -> dict[str, str]:
    out = {}
    for value, label in choices:
        out[label] = value
        out[value] = value
    return out


RELATIONS = _by_label(Relation.choices)
DISABILITIES = _by_label(Disability.choices) | {"": "", "无": ""}
WORK = _by_label(WorkAbility.choices) | {
    "": WorkAbility.FULL,
    "有": WorkAbility.FULL,
    "部分": WorkAbility.PARTIAL,
    "无": WorkAbility.NONE,
    "丧失": WorkAbility.NONE,
}
SCHOOL = _by_label(Schooling.choices) | {"": "", "否": ""}
EMPLOY = _by_label(Employment.choices) | {"": Employment.NONE}
URBAN = _by_label(UrbanRural.choices) | {
    "城市": UrbanRural.URBAN,
    "城": UrbanRural.URBAN,
    "乡": UrbanRural.RURAL,
}
YES = {"是", "y", "yes", "1", "true", "有"}
NO = {"否", "n", "no", "0", "false", "无", ""}


def rows_of(table: tables.Table) -> Iterator[dict[str, str]]:
    """The table's rows as dicts keyed by field name ({} for an empty row), streamed. The header is checked
    at once: a file without the template's required columns is refused before any row is read."""
    header = next(table.rows, None)
    if header is None:
        raise ValidationFailed("文件是空的", field_errors={"file": "空文件"})
    missing = [label for name, label, required in COLUMNS if required and label not in header]
    if missing:
        raise ValidationFailed(
            "缺少必需的列：" + "、".join(missing) + "（请使用导入模板）", field_errors={"file": "缺少列"}
        )
    positions = [(field, i) for i, h in enumerate(header) if (field := HEADER_TO_FIELD.get(h))]

    def rows() -> Iterator[dict[str, str]]:
        for cells in table.rows:
            if not any(cells):
                yield {}
                continue
            width = len(cells)
            yield {f: (cells[i] if i < width else "") for f, i in positions}

    return rows()


def read_rows(name: str, source: bytes | IO[bytes]) -> list[dict[str, str]]:
    """Every row at once: for small files and tests. The import job streams `rows_of` instead."""
    with tables.open_table(name, source) as table:
        return list(rows_of(table))


def template_rows() -> tuple[list[str], list[list[str]]]:
    headers = [label for _, label, _ in COLUMNS]
    example = [
        [
            "A001",
            "230502200201",
            "安邦村3组12号",
            "农村",
            "230502200201",
            "13800000000",
            "张三",
            idnumber.make("23050219700101003"),
            "户主",
            "",
            "",
            "有劳动能力",
            "否",
            "",
            "务农",
            "是",
            "",
        ],
        [
            "A001",
            "230502200201",
            "安邦村3组12号",
            "农村",
            "230502200201",
            "",
            "李四",
            idnumber.make("23050219720202004"),
            "配偶",
            "肢体残疾",
            "2",
            "部分丧失劳动能力",
            "是",
            "",
            "无业/不适用",
            "是",
            "",
        ],
    ]
    return headers, example
