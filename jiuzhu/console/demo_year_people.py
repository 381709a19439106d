"""Plausible, fictitious families for the demo year: common surnames and given names, addresses in the demo
villages, ages that fit the relations, ID numbers with valid check digits that belong to no one (the sequence
part is drawn and never repeated within the demo)."""

from __future__ import annotations

from datetime import date, timedelta

from jiuzhu.console.demo_year import Walk
from jiuzhu.core import crypto
from jiuzhu.orgs import demo as org_demo
from jiuzhu.orgs.models import Jurisdiction
from jiuzhu.orgs.roles import Role
from jiuzhu.registry.identity import ID_PURPOSE
from jiuzhu.registry.models import Member
from jiuzhu.registry.services.member_input import MemberInput

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
MALE = "伟强军磊洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳峰建国志海春生德福贵山东成"
FEMALE = "芳娜敏静丽艳娟霞秀英华慧巧美淑惠珍玉凤兰红梅琳雪燕萍桂香云莲翠芬琴"


def _given(walk: Walk, female: bool) -> str:
    pool = FEMALE if female else MALE
    return "".join(walk.rng.choice(pool) for _ in range(walk.rng.choice((1, 2, 2))))


def _born(walk: Walk, on: date, low: int, high: int) -> date:
    return on - timedelta(days=walk.rng.randrange(low * 365 + 30, high * 365 - 30))


def _member(
    walk: Walk, area: str, name: str, relation: str, born: date, female: bool, on: date
) -> MemberInput:
    age = (on - born).days // 365
    ability = "na" if age < 16 or age >= 70 else walk.rng.choice(["full", "full", "partial", "none"])
    return MemberInput(
        name=name,
        id_number=walk.person_id(area, born, female),
        relation=relation,
        work_ability=ability,
        serious_illness=walk.rng.random() < 0.12,
    )


def family(walk: Walk, village: str, on: date) -> tuple[list[MemberInput], str, list[tuple[str, str, str]]]:
    """One family registering on `on`: its members, its address and its monthly incomes."""
    area = village[:6]
    surname = walk.rng.choice(SURNAMES)
    shape = walk.rng.choices(
        ["single_old", "couple_old", "parent_child", "couple_children"], [20, 20, 25, 35]
    )[0]
    people: list[MemberInput] = []
    head_female = walk.rng.random() < (0.6 if shape == "parent_child" else 0.3)
    old = shape in ("single_old", "couple_old")
    head_born = _born(walk, on, 62, 88) if old else _born(walk, on, 30, 55)
    people.append(
        _member(walk, area, surname + _given(walk, head_female), "head", head_born, head_female, on)
    )
    if shape in ("couple_old", "couple_children"):
        spouse_born = head_born + timedelta(days=walk.rng.randrange(-1500, 1500))
        spouse_born = min(spouse_born, on - timedelta(days=19 * 365))
        spouse_surname = walk.rng.choice(SURNAMES)
        people.append(
            _member(
                walk,
                area,
                spouse_surname + _given(walk, not head_female),
                "spouse",
                spouse_born,
                not head_female,
                on,
            )
        )
    if shape in ("parent_child", "couple_children"):
        for _ in range(walk.rng.choice((1, 1, 2, 3))):
            female = walk.rng.random() < 0.5
            child_born = _born(walk, on, 2, 17)
            people.append(
                _member(walk, area, surname + _given(walk, female), "child", child_born, female, on)
            )
    place = Jurisdiction.objects.get(code=village).name
    address = (
        f"{place}{walk.rng.randint(1, 9)}组{walk.rng.randint(1, 60)}号"
        if place.endswith("村")
        else (
            f"{place}{walk.rng.randint(1, 30)}号楼{walk.rng.randint(1, 6)}单元{walk.rng.randint(1, 7)}0{walk.rng.randint(1, 4)}"
        )
    )
    incomes: list[tuple[str, str, str]] = []
    if old:
        incomes.append(("transfer", "城乡居民基本养老金", f"{walk.rng.randrange(120, 260)}.00"))
    elif walk.rng.random() < 0.6:
        incomes.append(("wage", "零工收入", f"{walk.rng.randrange(200, 900)}.00"))
    return people, address, incomes


# Staff of the 尖山区 streets the shared demo world leaves without (orgs.demo has 安邦乡 and 二马路街道), so
# that the year's households live in every township of the county. Loaded by the same loader as the others.
STAFF = [
    (f"{short}_{kind}", name, f"230502{code}000", role)
    for code, short, names in (
        ("001", "zxz", ("孟佳", "邵文博")),
        ("002", "fa", ("田晓雯", "龚建军")),
        ("005", "bml", ("蒋丽萍", "韦东升")),
        ("006", "ca", ("付婷", "严立群")),
        ("007", "tx", ("苗雨桐", "谭志刚")),
        ("008", "xf", ("龙欣悦", "温海波")),
    )
    for kind, name, role in (
        ("caseworker", names[0], Role.TOWNSHIP_CASEWORKER),
        ("approver", names[1], Role.TOWNSHIP_APPROVER),
    )
]


def load_staff() -> None:
    org_demo.load_staff(STAFF)


def id_number_of(member: Member) -> str:
    """A demo person's number as the departments know it (their files and registers carry it in full); read
    without a reveal event, since no member of staff looks at it."""
    return crypto.decrypt(member.id_cipher, purpose=ID_PURPOSE)
