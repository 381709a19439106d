"""Bulk import of households and members from xlsx or csv (issue 3 item 7).

One row per member; rows with the same 户编号 form one household. Every bad row is reported with its
line number and reason. Committing is all or nothing unless the user chose to import the good households
(a household with any bad row is skipped whole). Set-based: IDs are checked against the database in
chunks, rows are written with bulk inserts, and one audit event records the import.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction

from jiuzhu.core import audit, bulk, clock, crypto, idnumber, tables
from jiuzhu.core.errors import NotFound, ValidationFailed
from jiuzhu.core.jurisdiction_codes import is_valid_code
from jiuzhu.core.masking import mask_id_number
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.models import (
    Disability,
    Employment,
    Household,
    Member,
    Relation,
    Schooling,
    UrbanRural,
    WorkAbility,
)
from jiuzhu.registry.services import ID_PURPOSE

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
HOUSEHOLD_COLUMNS = (
    "id",
    "area_code",
    "address",
    "urban_rural",
    "hukou_area_code",
    "hukou_address",
    "phone",
    "head_name",
    "head_id_masked",
    "external_key",
    "is_active",
    "version",
    "created_by_id",
    "created_at",
    "updated_at",
)
MEMBER_COLUMNS = (
    "household_id",
    "area_code",
    "name",
    "id_cipher",
    "id_index",
    "id_masked",
    "birth_date",
    "sex",
    "relation",
    "hukou_area_code",
    "disability",
    "disability_grade",
    "work_ability",
    "serious_illness",
    "illness_note",
    "schooling",
    "employment",
    "covered",
    "covered_note",
    "is_active",
    "left_on",
    "left_reason",
    "created_at",
    "updated_at",
)
CHUNK = 5000


def _by_label(choices) -> dict[str, str]:
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


@dataclass
class ParsedMember:
    line: int
    values: dict


@dataclass
class ParsedHousehold:
    key: str
    first_line: int
    values: dict
    members: list[ParsedMember] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Preview:
    rows: int
    households: list[ParsedHousehold]
    errors: list[str]  # "第N行：…", every bad row

    @property
    def good(self) -> list[ParsedHousehold]:
        return [h for h in self.households if not h.errors]

    @property
    def bad_households(self) -> int:
        return sum(1 for h in self.households if h.errors)


def _flag(value: str, line: int, label: str, errors: list[str], default: bool) -> bool:
    v = value.strip().lower()
    if v in YES:
        return True
    if v in NO:
        return default if v == "" else False
    errors.append(f"第{line}行：{label}应填“是”或“否”，实际为“{value}”")
    return default


def validate(user, rows: Iterable[dict[str, str]], progress: Callable[[int], None] | None = None) -> Preview:
    """Check every row; nothing is written. Line numbers count the header as line 1. `rows` is read once,
    a chunk at a time (the villages a chunk names are looked up with it), so a file is never held whole."""
    villages: dict[str, Jurisdiction] = {}
    allowed: set[str] = set()
    looked_up: set[str] = set()

    def with_villages() -> Iterator[dict[str, str]]:
        for chunk in bulk.chunks(rows, CHUNK):
            codes = {r.get("area_code", "") for r in chunk} - looked_up
            looked_up.update(codes)
            for j in Jurisdiction.objects.filter(level=Level.VILLAGE, code__in=codes):
                villages[j.code] = j
                if authz.can(user, Perm.HOUSEHOLD_EDIT, j.code):
                    allowed.add(j.code)
            yield from chunk

    today = clock.today()
    households: dict[str, ParsedHousehold] = {}
    errors: list[str] = []
    seen_ids: dict[str, int] = {}
    count = 0
    for offset, row in enumerate(with_villages()):
        line = offset + 2
        if progress and offset % CHUNK == 0:
            progress(offset)
        if not row:
            continue
        count += 1
        row_errors: list[str] = []
        for name in REQUIRED:
            if not row.get(name):
                row_errors.append(f"第{line}行：缺少“{LABELS[name]}”")
        key = row.get("household_key", "")
        area = row.get("area_code", "")
        village = villages.get(area)
        if area and village is None:
            row_errors.append(f"第{line}行：村（社区）代码“{area}”不存在")
        elif village is not None and area not in allowed:
            row_errors.append(f"第{line}行：村（社区）{village.name}不在您的辖区或您无权登记")
        info = None
        if row.get("id_number"):
            try:
                info = idnumber.parse(row["id_number"], today=today)
            except ValidationFailed as exc:
                row_errors.append(f"第{line}行：{exc.message}")
        if info is not None:
            if info.number in seen_ids:
                row_errors.append(
                    f"第{line}行：身份证号 {mask_id_number(info.number)} 与第{seen_ids[info.number]}行重复"
                )
            else:
                seen_ids[info.number] = line
        relation = RELATIONS.get(row.get("relation", ""))
        if row.get("relation") and relation is None:
            row_errors.append(f"第{line}行：与户主关系“{row['relation']}”无效")
        disability = DISABILITIES.get(row.get("disability", ""))
        if disability is None:
            row_errors.append(f"第{line}行：残疾类别“{row['disability']}”无效")
        grade = None
        if row.get("disability_grade"):
            try:
                grade = int(row["disability_grade"].replace("级", ""))
                if grade not in (1, 2, 3, 4):
                    raise ValueError
            except ValueError:
                row_errors.append(f"第{line}行：残疾等级应为 1–4")
        if disability and grade is None:
            row_errors.append(f"第{line}行：有残疾类别时须填写残疾等级")
        work = WORK.get(row.get("work_ability", ""))
        school = SCHOOL.get(row.get("schooling", ""))
        employ = EMPLOY.get(row.get("employment", ""))
        for value, label, raw in (
            (work, "劳动能力", "work_ability"),
            (school, "在学情况", "schooling"),
            (employ, "就业状况", "employment"),
        ):
            if value is None:
                row_errors.append(f"第{line}行：{label}“{row.get(raw)}”无效")
        illness = _flag(row.get("serious_illness", ""), line, "是否患重病", row_errors, False)
        covered = _flag(row.get("covered", ""), line, "计入保障人数", row_errors, True)
        if not covered and not row.get("covered_note"):
            row_errors.append(f"第{line}行：不计入保障人数时须填写原因")
        urban = (
            URBAN.get(row.get("urban_rural", ""), None)
            if row.get("urban_rural")
            else (village.urban_rural if village else "")
        )
        if urban is None:
            row_errors.append(f"第{line}行：城乡应填“城镇”或“农村”")
        hukou = row.get("hukou_area_code", "")
        if hukou and not is_valid_code(hukou):
            row_errors.append(f"第{line}行：户籍地代码应为12位数字")
        household = households.get(key)
        if household is None and key:
            household = households[key] = ParsedHousehold(
                key,
                line,
                {
                    "area_code": area,
                    "address": row.get("address", ""),
                    "urban_rural": urban or "rural",
                    "hukou_area_code": hukou,
                    "phone": row.get("phone", ""),
                },
            )
        elif household is not None and area and household.values["area_code"] != area:
            row_errors.append(
                f"第{line}行：同一户编号“{key}”的村（社区）代码与第{household.first_line}行不一致"
            )
        if row_errors:
            errors.extend(row_errors)
            if household is not None:
                household.errors.extend(row_errors)
            continue
        assert household is not None and info is not None
        household.members.append(
            ParsedMember(
                line,
                {
                    "name": row["name"],
                    "number": info.number,
                    "birth_date": info.birth_date,
                    "sex": info.sex,
                    "relation": relation,
                    "hukou_area_code": hukou,
                    "disability": disability or "",
                    "disability_grade": grade if disability else None,
                    "work_ability": work,
                    "serious_illness": illness,
                    "schooling": school or "",
                    "employment": employ,
                    "covered": covered,
                    "covered_note": row.get("covered_note", "") if not covered else "",
                },
            )
        )
    for household in households.values():
        heads = [m for m in household.members if m.values["relation"] == Relation.HEAD]
        if not household.errors and len(heads) != 1:
            message = f"第{household.first_line}行起的户编号“{household.key}”：每户须有且只有一名户主（现有 {len(heads)} 名）"
            household.errors.append(message)
            errors.append(message)
    _check_registered(households.values(), errors)
    return Preview(rows=count, households=list(households.values()), errors=errors)


def _check_registered(households: Iterable[ParsedHousehold], errors: list[str]) -> None:
    """A person already in an active household of the registry cannot be imported again."""
    by_index: dict[str, tuple[ParsedHousehold, ParsedMember]] = {}
    for h in households:
        for m in h.members:
            for index in crypto.blind_indexes(m.values["number"], purpose=ID_PURPOSE):  # rotation
                by_index[index] = (h, m)
    keys = list(by_index)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        for id_index, address in Member.objects.filter(
            id_index__in=chunk, is_active=True, household__is_active=True
        ).values_list("id_index", "household__address"):
            h, m = by_index[id_index]
            message = f"第{m.line}行：身份证号 {mask_id_number(m.values['number'])} 已登记在{address}的家庭中"
            h.errors.append(message)
            errors.append(message)


def commit(
    user, preview: Preview, *, good_only: bool, source: str, progress: Callable[[int], None] | None = None
) -> dict:
    """Write the good households (all of them, or nothing when there are errors and not `good_only`)."""
    if preview.errors and not good_only:
        return {
            "created_households": 0,
            "created_members": 0,
            "skipped_households": preview.bad_households,
            "committed": False,
        }
    good = preview.good
    now = clock.now()
    created_members = 0
    with transaction.atomic():
        membership = authz.membership_for(user, Perm.DATA_IMPORT) or authz.membership_for(
            user, Perm.HOUSEHOLD_EDIT
        )
        for start in range(0, len(good), CHUNK):
            batch = good[start : start + CHUNK]
            heads = [next(m for m in h.members if m.values["relation"] == Relation.HEAD) for h in batch]
            ids = bulk.allocate_ids(Household, len(batch)) if bulk.is_postgres() else [None] * len(batch)
            household_rows = [
                (
                    pk,
                    h.values["area_code"],
                    h.values["address"],
                    h.values["urban_rural"],
                    h.values["hukou_area_code"],
                    "",
                    h.values["phone"],
                    head.values["name"],
                    mask_id_number(head.values["number"]),
                    h.key,
                    True,
                    1,
                    user.pk,
                    now,
                    now,
                )
                for pk, h, head in zip(ids, batch, heads, strict=True)
            ]
            if bulk.is_postgres():
                bulk.insert_rows(Household, HOUSEHOLD_COLUMNS, household_rows)
            else:
                ids = [
                    h.pk
                    for h in Household.objects.bulk_create(
                        [
                            Household(**dict(zip(HOUSEHOLD_COLUMNS[1:], row[1:], strict=True)))
                            for row in household_rows
                        ]
                    )
                ]
            member_rows = []
            for household_id, parsed in zip(ids, batch, strict=True):
                area = parsed.values["area_code"]
                for m in parsed.members:
                    v = m.values
                    member_rows.append(
                        (
                            household_id,
                            area,
                            v["name"],
                            crypto.encrypt(v["number"], purpose=ID_PURPOSE),
                            crypto.blind_index(v["number"], purpose=ID_PURPOSE),
                            mask_id_number(v["number"]),
                            v["birth_date"],
                            v["sex"],
                            v["relation"],
                            v["hukou_area_code"],
                            v["disability"],
                            v["disability_grade"],
                            v["work_ability"],
                            v["serious_illness"],
                            "",
                            v["schooling"],
                            v["employment"],
                            v["covered"],
                            v["covered_note"],
                            True,
                            None,
                            "",
                            now,
                            now,
                        )
                    )
            if bulk.is_postgres():
                member_ids = bulk.allocate_ids(Member, len(member_rows))
                bulk.insert_rows(
                    Member,
                    ("id", *MEMBER_COLUMNS),
                    [(pk, *row) for pk, row in zip(member_ids, member_rows, strict=True)],
                )
            else:
                bulk.insert_rows(Member, MEMBER_COLUMNS, member_rows)
            members = member_rows
            created_members += len(members)
            if progress:
                progress(start + len(batch))
        area = _common_area([h.values["area_code"] for h in good])
        audit.record(
            actor=user,
            membership=membership,
            action="household.import",
            area_code=area,
            object_type="registry.household",
            object_repr=f"批量导入 {len(good)} 户",
            after={
                "households": len(good),
                "members": created_members,
                "source": source,
                "skipped_households": preview.bad_households,
                "errors": len(preview.errors),
            },
        )
    # No "errors" here: the job's result already lists them (and counts them in error_count).
    return {
        "created_households": len(good),
        "created_members": created_members,
        "skipped_households": preview.bad_households,
        "committed": True,
    }


def _common_area(codes: list[str]) -> str:
    """The most specific jurisdiction prefix all codes share, padded to 12 digits (for scoping the event)."""
    if not codes:
        return ""
    for length in (12, 9, 6, 4, 2):
        if len({c[:length] for c in codes}) == 1:
            return codes[0][:length].ljust(12, "0")
    return ""


def file_digest(fh: IO[bytes]) -> str:
    fh.seek(0)
    digest = hashlib.sha256()
    while chunk := fh.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


# The job page lists this many errors; every error row is in the Excel attachment (`save_error_workbook`).
ERRORS_SHOWN = 2000
# Rows per worksheet of the error workbook (an xlsx sheet holds at most 1,048,576 rows).
ERROR_SHEET_ROWS = 1_000_000
_LINE = re.compile(r"^第(\d+)行")


def summarise(preview: Preview, limit: int | None = None) -> dict:
    limit = ERRORS_SHOWN if limit is None else limit
    return {
        "rows": preview.rows,
        "households": len(preview.households),
        "good_households": len(preview.good),
        "bad_households": preview.bad_households,
        "error_count": len(preview.errors),
        "errors": preview.errors[:limit],
        "errors_truncated": len(preview.errors) > limit,
    }


def errors_by_line(errors: Iterable[str]) -> dict[int, list[str]]:
    """Every message starts with its line number ("第N行：…" or "第N行起的户编号…")."""
    grouped: dict[int, list[str]] = defaultdict(list)
    for message in errors:
        match = _LINE.match(message)
        line = int(match.group(1)) if match else 0
        rest = message[match.end() :] if match else ""
        # "第N行：reason" keeps the reason; a household's message ("第N行起的…") is kept whole.
        grouped[line].append(rest[1:] if rest.startswith("：") else message)
    return dict(sorted(grouped.items()))


def _rows_at(rows: Iterable[dict[str, str]] | None, lines: Iterable[int]) -> Iterator[dict[str, str]]:
    """For each of `lines` (ascending), the file's row at that line ({} if none), in one pass over `rows`
    (the file's rows from line 2 on)."""
    source = enumerate(rows if rows is not None else (), start=2)
    current: tuple[int, dict[str, str]] = (1, {})
    for line in lines:
        while current[0] < line:
            current = next(source, (line, {}))
        yield current[1] if current[0] == line else {}


def write_error_workbook(out, errors: list[str], rows: Iterable[dict[str, str]] | None = None) -> None:
    """Every bad line once: its line number, all its problems, and the cells as uploaded (ID numbers masked,
    like everywhere else the import reports), `rows` being the file read again. Written row by row, so
    memory stays flat for big files."""
    import xlsxwriter

    headers = ["行号", "错误说明", *(label for _, label, _ in COLUMNS)]
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    sheet, r = None, 0
    grouped = errors_by_line(errors)
    for (line, messages), row in zip(grouped.items(), _rows_at(rows, grouped), strict=True):
        if sheet is None or r > ERROR_SHEET_ROWS:
            sheet = book.add_worksheet("错误行" if sheet is None else f"错误行{len(book.worksheets()) + 1}")
            sheet.set_column(0, 0, 8)
            sheet.set_column(1, 1, 60)
            sheet.set_column(2, len(headers) - 1, 14)
            for col, header in enumerate(headers):
                sheet.write_string(0, col, header, bold)
            sheet.freeze_panes(1, 0)
            r = 1
        cells = [
            mask_id_number(row.get(name, "")) if name == "id_number" else row.get(name, "")
            for name, _, _ in COLUMNS
        ]
        if line:
            sheet.write_number(r, 0, line)
        sheet.write_string(r, 1, "；".join(messages))
        for col, value in enumerate(cells, start=2):
            sheet.write_string(r, col, value or "")
        r += 1
    if sheet is None:
        book.add_worksheet("错误行").write_string(0, 0, "没有错误行")
    book.close()


def save_error_workbook(job_id: int, errors: list[str], rows: Iterable[dict[str, str]]) -> str:
    """Store the error workbook next to the job's upload; returns its storage name for the job result."""
    import tempfile

    from django.core.files import File

    from jiuzhu.core.crypto.sealed import sealed_storage  # the rows hold full ID numbers (PI1)

    with tempfile.TemporaryFile() as tmp:
        write_error_workbook(tmp, errors, rows)
        tmp.seek(0)
        stamp = clock.now().strftime("%Y/%m")
        return sealed_storage().save(f"jobs/{stamp}/import-{job_id}-errors.xlsx", File(tmp))


def open_error_workbook(job) -> tuple[IO[bytes], str]:
    """The stored error workbook of a finished job, and a file name for the download."""
    from jiuzhu.core.crypto.sealed import sealed_storage

    result = job.result or {}
    if job.status != "done" or not result.get("error_count"):
        raise NotFound("该任务没有错误行")
    filename = f"导入错误行-{job.params.get('filename', job.pk)}.xlsx"
    name = result.get("errors_file")
    if name and sealed_storage().exists(name):
        return sealed_storage().open(name, "rb"), filename
    # Jobs from before the workbook was stored kept only the listed errors.
    buffer = io.BytesIO()
    write_error_workbook(buffer, result.get("errors", []))
    buffer.seek(0)
    return buffer, filename


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


def by_household_key(preview: Preview) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for h in preview.households:
        grouped[h.key].extend(h.errors)
    return grouped
