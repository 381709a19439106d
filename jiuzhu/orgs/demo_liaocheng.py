"""A small 聊城 county for the demo year: 东昌府区 (the real GB/T 2260 county code) with one street and one town,
its bureau and township staff, delegation, standards and the 聊城 procedure (先核对、后申请, review only on an
objection). Township and village codes and all names are illustrative. Loaded by `load_demo --year`, not part
of the tests' shared world."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from jiuzhu.orgs import services
from jiuzhu.orgs.demo import ALL_CATEGORIES, R, U, load_places, load_staff, load_standards
from jiuzhu.orgs.models import GrantPhase, Jurisdiction, User
from jiuzhu.orgs.roles import Role

COUNTY = "371502000000"
DONGCHANGFU = [
    ("371502001", "古楼街道", "街道", [("001", "光岳社区", "社区", U), ("002", "铁塔社区", "社区", U)]),
    ("371502101", "堂邑镇", "镇", [("201", "西街村", "村", R), ("202", "路庄村", "村", R)]),
]
COUNTIES = [(("370000000000", "山东省"), ("371500000000", "聊城市"), (COUNTY, "东昌府区"), DONGCHANGFU)]
STAFF = [
    ("lc_bureau", "孔祥瑞", COUNTY, Role.BUREAU_OFFICER),
    ("lc_finance", "任晓丽", COUNTY, Role.FINANCE),
    ("lc_verifier", "宋佳", COUNTY, Role.VERIFIER),
    ("lc_ty_caseworker", "毛建新", "371502101000", Role.TOWNSHIP_CASEWORKER),
    ("lc_ty_approver", "姜振东", "371502101000", Role.TOWNSHIP_APPROVER),
]
STANDARDS = {
    "370000000000": {
        "dibao.guidance.urban": [("2021-01-01", "720.00")],
        "dibao.guidance.rural": [("2021-01-01", "560.00")],
    },
    COUNTY: {
        "dibao.standard.urban": [("2021-01-01", "760.00")],
        "dibao.standard.rural": [("2021-01-01", "590.00")],
    },
    # 聊民发〔2019〕57号: verification before the application, a review only when someone objects.
    COUNTY + "-profile": {"procedure.profile": [("2021-01-01", "liaocheng")]},
}


@transaction.atomic
def load() -> None:
    load_places(COUNTIES)
    load_staff(STAFF)
    bureau = User.objects.get(username="lc_bureau")
    for code9, *_rest in DONGCHANGFU:
        township = Jurisdiction.objects.get(code=code9 + "000")
        for category in ALL_CATEGORIES:
            if township.delegation_grants.filter(category=category).exists():
                continue
            services.grant_create(
                by=bureau,
                township=township,
                category=category,
                valid_from=date(2022, 1, 1),
                valid_to=None,
                letter_no="东政委〔2021〕8号",
                signed_on=date(2021, 12, 20),
                phase=GrantPhase.FULL,
            )
    load_standards(STANDARDS, {"371502": "lc_bureau"})
