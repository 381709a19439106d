"""A member's data as a form or the API gives it, and its checks: shared by registering a household, adding
and correcting a member, and the citizen portal's application. The ID number decides birth date and sex;
what was typed for them is only cross-checked."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from jiuzhu.core import idnumber
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.jurisdiction_codes import is_valid_code
from jiuzhu.core.masking import mask_id_number
from jiuzhu.core.problems import Problems
from jiuzhu.registry.identity import id_fields
from jiuzhu.registry.models import Disability, Employment, Relation, Schooling, WorkAbility


@dataclass
class MemberInput:
    name: str
    id_number: str
    relation: str
    birth_date: date | None = None  # typed on the form: cross-checked with the ID number
    sex: str | None = None
    hukou_area_code: str = ""
    disability: str = ""
    disability_grade: int | None = None
    work_ability: str = WorkAbility.FULL
    serious_illness: bool = False
    illness_note: str = ""
    schooling: str = ""
    employment: str = Employment.NONE
    covered: bool = True
    covered_note: str = ""


def check_member(data: MemberInput, problems: Problems, prefix: str = "") -> idnumber.IdInfo | None:
    who = data.name.strip() or "成员"
    if not data.name.strip():
        problems.add(f"{prefix}name", "请填写姓名")
    info = None
    try:
        info = idnumber.parse(data.id_number)
    except ValidationFailed as exc:
        problems.add(f"{prefix}id_number", exc.message, f"{who}：{exc.message}")
    if info is not None:
        if data.birth_date is not None and data.birth_date != info.birth_date:
            problems.add(
                f"{prefix}birth_date",
                f"出生日期与身份证号不符（身份证号显示为 {info.birth_date:%Y-%m-%d}）",
                f"{who}：填写的出生日期 {data.birth_date:%Y-%m-%d} 与身份证号显示的 {info.birth_date:%Y-%m-%d} 不符",
            )
        if data.sex and data.sex != info.sex:
            shown = "男" if info.sex == "M" else "女"
            problems.add(
                f"{prefix}sex", f"性别与身份证号不符（身份证号显示为{shown}）", f"{who}：性别与身份证号不符"
            )
    if data.relation not in Relation.values:
        problems.add(f"{prefix}relation", "与户主关系无效")
    if data.disability not in Disability.values:
        problems.add(f"{prefix}disability", "残疾类别无效")
    if data.disability and data.disability_grade not in (1, 2, 3, 4):
        problems.add(
            f"{prefix}disability_grade", "残疾等级应为 1–4 级", f"{who}：有残疾类别时须填写 1–4 级残疾等级"
        )
    if not data.disability and data.disability_grade:
        problems.add(f"{prefix}disability_grade", "未选择残疾类别时不应填写等级")
    if data.work_ability not in WorkAbility.values:
        problems.add(f"{prefix}work_ability", "劳动能力无效")
    if data.schooling not in Schooling.values:
        problems.add(f"{prefix}schooling", "在学情况无效")
    if data.employment not in Employment.values:
        problems.add(f"{prefix}employment", "就业状况无效")
    if data.hukou_area_code and not is_valid_code(data.hukou_area_code):
        problems.add(f"{prefix}hukou_area_code", "户籍地区划代码应为12位数字")
    if not data.covered and not data.covered_note.strip():
        problems.add(
            f"{prefix}covered_note", "不计入保障人数时须说明原因", f"{who}：不计入保障人数时须说明原因"
        )
    return info


def member_values(data: MemberInput, info: idnumber.IdInfo) -> dict[str, Any]:
    """The checked input as the member row's fields (the number stored encrypted, indexed and masked)."""
    return {
        "name": data.name.strip(),
        **id_fields(info.number),
        "birth_date": info.birth_date,
        "sex": info.sex,
        "relation": data.relation,
        "hukou_area_code": data.hukou_area_code,
        "disability": data.disability,
        "disability_grade": data.disability_grade if data.disability else None,
        "work_ability": data.work_ability,
        "serious_illness": data.serious_illness,
        "illness_note": data.illness_note.strip(),
        "schooling": data.schooling,
        "employment": data.employment,
        "covered": data.covered,
        "covered_note": data.covered_note.strip() if not data.covered else "",
    }


def public(data: MemberInput) -> dict[str, Any]:
    """The input as the audit trail keeps it: the ID number masked and, by the mask rule (core.masking), only
    the year of birth."""
    values = asdict(data)
    values["id_number"] = mask_id_number(idnumber.normalise(data.id_number))
    birth = values.pop("birth_date", None)
    if birth is not None:
        values["birth_year"] = birth.year
    return values
