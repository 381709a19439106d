"""Checking a household import: every row against the template, the villages the user may register in,
the ID numbers (valid, once in the file, not already in an active household); nothing is written. Read a
chunk at a time, so a file of 10⁵ rows is never held whole."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from jiuzhu.core import bulk, clock, crypto, idnumber
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.jurisdiction_codes import is_valid_code
from jiuzhu.core.masking import mask_id_number
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.identity import ID_PURPOSE
from jiuzhu.registry.imports.layout import (
    DISABILITIES,
    EMPLOY,
    LABELS,
    NO,
    RELATIONS,
    REQUIRED,
    SCHOOL,
    URBAN,
    WORK,
    YES,
)
from jiuzhu.registry.models import Relation
from jiuzhu.registry.services import one_household

CHUNK = 5000


@dataclass
class ParsedMember:
    line: int
    values: dict[str, Any]


@dataclass
class ParsedHousehold:
    key: str
    first_line: int
    values: dict[str, Any]
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


def validate(
    user: User, rows: Iterable[dict[str, str]], progress: Callable[[int], None] | None = None
) -> Preview:
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
    _check_registered(user, households.values(), errors)
    return Preview(rows=count, households=list(households.values()), errors=errors)


def _check_registered(user: User, households: Iterable[ParsedHousehold], errors: list[str]) -> None:
    """A1: a person already active in a household of the registry cannot be imported again; each such row
    says where the person is, as far as the user's scope allows (`one_household.clash_message`)."""
    by_index: dict[str, tuple[ParsedHousehold, ParsedMember]] = {}
    for h in households:
        for m in h.members:
            for index in crypto.blind_indexes(m.values["number"], purpose=ID_PURPOSE):  # rotation
                by_index[index] = (h, m)
    keys = list(by_index)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        for id_index, other in one_household.active_elsewhere(chunk).items():
            h, m = by_index[id_index]
            where = one_household.clash_message(user, other, registering_in=h.values["area_code"])
            message = f"第{m.line}行：{m.values['name']}（{mask_id_number(m.values['number'])}）：{where}"
            h.errors.append(message)
            errors.append(message)
