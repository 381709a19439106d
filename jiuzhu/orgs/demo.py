"""Demo places, organisations, staff, delegation grants and standards (foundation issue item 5, 6, 8).

County codes are the real GB/T 2260 codes. Township codes of 綦江 and 莲湖 follow published street-level
lists; township codes of 尖山 and all village/community codes are illustrative (documented in
docs/decisions.md). Village and community names are invented.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from jiuzhu.core import clock, crypto
from jiuzhu.core.models import ParameterValue
from jiuzhu.core.services import param_set
from jiuzhu.core.types import Category
from jiuzhu.orgs import mfa, services
from jiuzhu.orgs.models import GrantPhase, Jurisdiction, Level, Organisation, SecondFactor, UrbanRural, User
from jiuzhu.orgs.roles import OrgKind, Role

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - published demo password, listed in README
# The demo accounts whose role requires a second factor share this published authenticator secret (README,
# `manage.py demo_logins`; docs/decisions.md). Demo only: delete the demo accounts in production.
DEMO_TOTP_SECRET = "JIUZHUDEMOTOTPSECRETFORDEMOONLYA"  # noqa: S105 - published demo secret

U, R = UrbanRural.URBAN, UrbanRural.RURAL

# (code9, name, kind, [(village code suffix, name, kind, urban/rural)])
JIANSHAN = [
    (
        "230502001",
        "中心站街道",
        "街道",
        [("001", "中心站社区", "社区", U), ("002", "站前社区", "社区", U), ("003", "新兴社区", "社区", U)],
    ),
    ("230502002", "富安街道", "街道", [("001", "富安社区", "社区", U), ("002", "金安社区", "社区", U)]),
    (
        "230502004",
        "二马路街道",
        "街道",
        [("001", "光明社区", "社区", U), ("002", "建设社区", "社区", U), ("003", "东平社区", "社区", U)],
    ),
    ("230502005", "八马路街道", "街道", [("001", "八马路社区", "社区", U), ("002", "红旗社区", "社区", U)]),
    ("230502006", "长安街道", "街道", [("001", "长安社区", "社区", U), ("002", "和平社区", "社区", U)]),
    ("230502007", "铁西街道", "街道", [("001", "铁西社区", "社区", U), ("002", "矿山社区", "社区", U)]),
    ("230502008", "学府街道", "街道", [("001", "学府社区", "社区", U), ("002", "文化社区", "社区", U)]),
    (
        "230502200",
        "安邦乡",
        "乡",
        [
            ("201", "安邦村", "村", R),
            ("202", "长胜村", "村", R),
            ("203", "东保卫村", "村", R),
            ("204", "永安村", "村", R),
        ],
    ),
]
QIJIANG = [
    ("500110001", "古南街道", "街道", [("001", "沱湾社区", "社区", U), ("201", "新民村", "村", R)]),
    ("500110002", "文龙街道", "街道", [("001", "九龙社区", "社区", U), ("201", "金龙村", "村", R)]),
    ("500110003", "三江街道", "街道", [("001", "三江社区", "社区", U), ("201", "双龙村", "村", R)]),
    (
        "500110008",
        "石角镇",
        "镇",
        [("001", "石角社区", "社区", U), ("201", "大岚村", "村", R), ("202", "马口村", "村", R)],
    ),
    (
        "500110009",
        "东溪镇",
        "镇",
        [("001", "东溪社区", "社区", U), ("201", "永乐村", "村", R), ("202", "书院村", "村", R)],
    ),
    ("500110010", "赶水镇", "镇", [("001", "赶水社区", "社区", U), ("201", "草坪村", "村", R)]),
    (
        "500110011",
        "打通镇",
        "镇",
        [
            ("001", "打通社区", "社区", U),
            ("201", "石门村", "村", R),
            ("202", "天池村", "村", R),
            ("203", "吹角村", "村", R),
        ],
    ),
]
LIANHU = [
    ("610104001", "青年路街道", "街道", [("001", "青年路社区", "社区", U), ("002", "药王洞社区", "社区", U)]),
    ("610104002", "北院门街道", "街道", [("001", "北院门社区", "社区", U), ("002", "西华门社区", "社区", U)]),
    (
        "610104003",
        "环城西路街道",
        "街道",
        [
            ("001", "环西社区", "社区", U),
            ("002", "西关正街社区", "社区", U),
            ("003", "劳动路社区", "社区", U),
        ],
    ),
    ("610104007", "桃园路街道", "街道", [("001", "桃园社区", "社区", U), ("002", "团结社区", "社区", U)]),
    (
        "610104008",
        "枣园街道",
        "街道",
        [("001", "枣园社区", "社区", U), ("002", "汉城社区", "社区", U), ("201", "大土门村", "村", R)],
    ),
    ("610104009", "北关街道", "街道", [("001", "北关正街社区", "社区", U), ("002", "龙首村社区", "社区", U)]),
]

COUNTIES = [
    # province, city, county, townships, government, bureau, oversight
    (("230000000000", "黑龙江省"), ("230500000000", "双鸭山市"), ("230502000000", "尖山区"), JIANSHAN),
    (("500000000000", "重庆市"), ("500100000000", "重庆市市辖区"), ("500110000000", "綦江区"), QIJIANG),
    (("610000000000", "陕西省"), ("610100000000", "西安市"), ("610104000000", "莲湖区"), LIANHU),
]

# username, full name, place code (12 digits: county bureau, township or village), role
STAFF = [
    ("js_admin", "赵立新", "230502000000", Role.ADMIN),
    ("js_secadmin", "郑国安", "230502000000", Role.SECURITY_ADMIN),
    ("js_auditadmin", "冯思远", "230502000000", Role.AUDIT_ADMIN),
    ("js_bureau", "高晓梅", "230502000000", Role.BUREAU_OFFICER),
    ("js_inspector", "孙振华", "230502000000", Role.BUREAU_INSPECTOR),
    ("js_finance", "钱丽娟", "230502000000", Role.FINANCE),
    ("js_auditor", "周正", "230502000000", Role.AUDITOR),
    ("js_verifier", "吴敏", "230502000000", Role.VERIFIER),
    ("ab_caseworker", "王春燕", "230502200000", Role.TOWNSHIP_CASEWORKER),
    ("ab_approver", "刘宏伟", "230502200000", Role.TOWNSHIP_APPROVER),
    ("ab_verifier", "陈静", "230502200000", Role.VERIFIER),
    ("ab_assistant", "张桂兰", "230502200201", Role.VILLAGE_ASSISTANT),
    ("emr_caseworker", "李雪", "230502004000", Role.TOWNSHIP_CASEWORKER),
    ("emr_approver", "马国庆", "230502004000", Role.TOWNSHIP_APPROVER),
    ("emr_assistant", "杨淑芬", "230502004001", Role.VILLAGE_ASSISTANT),
    ("qj_bureau", "何志强", "500110000000", Role.BUREAU_OFFICER),
    ("qj_verifier", "罗文", "500110000000", Role.VERIFIER),
    ("qj_dt_caseworker", "谢小红", "500110011000", Role.TOWNSHIP_CASEWORKER),
    ("qj_dt_approver", "邓建平", "500110011000", Role.TOWNSHIP_APPROVER),
    ("qj_dx_caseworker", "唐丽", "500110009000", Role.TOWNSHIP_CASEWORKER),
    ("qj_dx_approver", "冯勇", "500110009000", Role.TOWNSHIP_APPROVER),
    ("lh_bureau", "韩蕾", "610104000000", Role.BUREAU_OFFICER),
    ("lh_bg_caseworker", "曹宇", "610104009000", Role.TOWNSHIP_CASEWORKER),
    ("lh_bg_approver", "许晨", "610104009000", Role.TOWNSHIP_APPROVER),
]

ALL_CATEGORIES = list(Category.values)
DIBAO_TEKUN = [Category.DIBAO, Category.TEKUN]

# Standards (yuan per person per month). Demo values in the range these provinces published around
# 2021–2023; a county enters its own on the parameters page.
STANDARDS = {
    "230000000000": {
        "dibao.guidance.urban": [("2021-01-01", "600.00")],
        "dibao.guidance.rural": [("2021-01-01", "420.00")],
    },
    "230502000000": {
        "dibao.standard.urban": [("2021-01-01", "650.00"), ("2023-07-01", "690.00")],
        "dibao.standard.rural": [("2021-01-01", "480.00"), ("2023-07-01", "520.00")],
    },
    "500000000000": {
        "dibao.guidance.urban": [("2021-01-01", "620.00")],
        "dibao.guidance.rural": [("2021-01-01", "500.00")],
    },
    "500110000000": {
        "dibao.standard.urban": [("2021-01-01", "660.00")],
        "dibao.standard.rural": [("2021-01-01", "530.00")],
    },
    "610000000000": {
        "dibao.guidance.urban": [("2021-01-01", "700.00")],
        "dibao.guidance.rural": [("2021-01-01", "560.00")],
    },
    "610104000000": {
        "dibao.standard.urban": [("2021-01-01", "780.00")],
        "dibao.standard.rural": [("2021-01-01", "620.00")],
    },
    # 特困: basic living standard and care standards by self-care level and care form (demo values).
    "230502000000-tekun": {
        "tekun.basic_standard": [("2021-01-01", "845.00")],
        "tekun.care.able.dispersed": [("2021-01-01", "100.00")],
        "tekun.care.able.centralised": [("2021-01-01", "150.00")],
        "tekun.care.partial.dispersed": [("2021-01-01", "300.00")],
        "tekun.care.partial.centralised": [("2021-01-01", "400.00")],
        "tekun.care.unable.dispersed": [("2021-01-01", "800.00")],
        "tekun.care.unable.centralised": [("2021-01-01", "1000.00")],
    },
    "500110000000-tekun": {
        "tekun.basic_standard": [("2021-01-01", "858.00")],
        "tekun.care.able.dispersed": [("2021-01-01", "120.00")],
        "tekun.care.able.centralised": [("2021-01-01", "160.00")],
        "tekun.care.partial.dispersed": [("2021-01-01", "320.00")],
        "tekun.care.partial.centralised": [("2021-01-01", "420.00")],
        "tekun.care.unable.dispersed": [("2021-01-01", "850.00")],
        "tekun.care.unable.centralised": [("2021-01-01", "1050.00")],
    },
    # 綦江 files the township's decision with the bureau before the notice (seed 001 §4, P5).
    "500110000000-profile": {"procedure.profile": [("2021-01-01", "qijiang")]},
}


def _j(
    code: str, name: str, level: int, parent: Jurisdiction | None, kind: str = "", ur: str = ""
) -> Jurisdiction:
    obj, _ = Jurisdiction.objects.update_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, "kind": kind, "urban_rural": ur}
    )
    return obj


def _org(name: str, kind: str, place: Jurisdiction) -> Organisation:
    obj, _ = Organisation.objects.get_or_create(jurisdiction=place, kind=kind, name=name)
    return obj


def load_places(counties=None) -> None:
    for (pcode, pname), (ccode, cname), (kcode, kname), townships in counties or COUNTIES:
        province = _j(pcode, pname, Level.PROVINCE, None)
        city = _j(ccode, cname, Level.CITY, province)
        county = _j(kcode, kname, Level.COUNTY, city, "区")
        _org(f"{kname}人民政府", OrgKind.GOVERNMENT, county)
        _org(f"{kname}民政局", OrgKind.BUREAU, county)
        _org(f"{kname}审计局", OrgKind.OVERSIGHT, county)
        for code9, tname, tkind, villages in townships:
            township = _j(code9 + "000", tname, Level.TOWNSHIP, county, tkind)
            suffix = "人民政府" if tkind in ("乡", "镇") else "办事处"
            _org(f"{tname}{suffix}", OrgKind.TOWNSHIP, township)
            for vcode, vname, vkind, ur in villages:
                village = _j(code9 + vcode, vname, Level.VILLAGE, township, vkind, ur)
                committee = "村民委员会" if vkind == "村" else "居民委员会"
                _org(f"{vname}{committee}", OrgKind.VILLAGE, village)


def _org_for(code: str, role: str) -> Organisation:
    kinds: dict[str, str] = {Role.AUDITOR: OrgKind.OVERSIGHT}
    place = Jurisdiction.objects.get(code=code)
    if place.level == Level.COUNTY:
        kind = kinds.get(role, OrgKind.BUREAU)
    elif place.level == Level.TOWNSHIP:
        kind = OrgKind.TOWNSHIP
    else:
        kind = OrgKind.VILLAGE
    return Organisation.objects.get(jurisdiction=place, kind=kind)


def load_staff(staff=None) -> None:
    for username, full_name, code, role in staff or STAFF:
        if User.objects.filter(username=username).exists():
            continue
        user = services.staff_create(
            by=None,
            username=username,
            full_name=full_name,
            password=DEMO_PASSWORD,
            organisation=_org_for(code, role),
            role=role,
            validate=False,
        )
        if mfa.is_mandatory(user):
            SecondFactor.objects.create(
                user=user,
                secret_cipher=crypto.encrypt(DEMO_TOTP_SECRET, purpose=mfa.SECRET_PURPOSE),
                confirmed_at=clock.now(),
            )


def load_grants() -> None:
    bureau = {
        code: User.objects.get(username=name)
        for code, name in (("230502", "js_bureau"), ("500110", "qj_bureau"), ("610104", "lh_bureau"))
    }

    def grant(code9: str, categories, start: str, letter: str, signed: str, phase: str) -> None:
        township = Jurisdiction.objects.get(code=code9 + "000")
        for category in categories:
            if township.delegation_grants.filter(category=category).exists():
                continue
            services.grant_create(
                by=bureau[code9[:6]],
                township=township,
                category=category,
                valid_from=date.fromisoformat(start),
                valid_to=None,
                letter_no=letter,
                signed_on=date.fromisoformat(signed),
                phase=phase,
            )

    for i, (code9, *_rest) in enumerate(JIANSHAN, start=1):
        grant(code9, ALL_CATEGORIES, "2021-07-01", f"尖政委〔2021〕{i}号", "2021-06-28", GrantPhase.FULL)
    grant("500110011", DIBAO_TEKUN, "2021-11-01", "綦府委〔2021〕1号", "2021-10-25", GrantPhase.PILOT)
    for i, code9 in enumerate(["500110001", "500110002", "500110003", "500110008"], start=2):
        grant(code9, DIBAO_TEKUN, "2021-12-01", f"綦府委〔2021〕{i}号", "2021-11-26", GrantPhase.BATCH)
    for i, code9 in enumerate(["610104009", "610104003", "610104008"], start=1):
        grant(code9, DIBAO_TEKUN, "2021-08-01", f"莲政委〔2021〕{i}号", "2021-07-28", GrantPhase.PILOT)


def load_standards(standards=None, officers=None) -> None:
    officers = officers or {"230502": "js_bureau", "500110": "qj_bureau", "610104": "lh_bureau"}

    for key_scope, values in (standards or STANDARDS).items():
        scope = key_scope[:12]
        by = User.objects.get(username=officers[scope[:6]]) if scope[:6] in officers else None
        for key, entries in values.items():
            for start, value in entries:
                if ParameterValue.objects.filter(key=key, scope_code=scope, effective_from=start).exists():
                    continue
                param_set(
                    by=by,
                    key=key,
                    scope_code=scope,
                    effective_from=date.fromisoformat(start),
                    value=value,
                    reason="演示数据：本地政策",
                    source="演示数据",
                )


@transaction.atomic
def load() -> None:
    load_places()
    load_staff()
    load_grants()
    load_standards()
