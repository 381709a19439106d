"""Helpers and names shared by the tests."""

from __future__ import annotations

from django.test import Client


def user(username: str):
    from jiuzhu.orgs.models import User

    return User.objects.get(username=username)


def client_for(username: str) -> Client:
    c = Client()
    c.force_login(user(username))
    return c


# The demo users by role, in 尖山区 (county) and its townships 安邦乡 and 二马路街道.
COUNTY_USERS = {
    "admin": "js_admin",
    "bureau_officer": "js_bureau",
    "bureau_inspector": "js_inspector",
    "finance": "js_finance",
    "auditor": "js_auditor",
    "verifier": "js_verifier",
}
ANBANG_USERS = {
    "township_caseworker": "ab_caseworker",
    "township_approver": "ab_approver",
    "verifier": "ab_verifier",
    "village_assistant": "ab_assistant",
}
ERMALU_USERS = {
    "township_caseworker": "emr_caseworker",
    "township_approver": "emr_approver",
    "village_assistant": "emr_assistant",
}
ALL_JIANSHAN_USERS = sorted({*COUNTY_USERS.values(), *ANBANG_USERS.values(), *ERMALU_USERS.values()})

JIANSHAN = "230502000000"
ANBANG = "230502200000"
ANBANG_VILLAGE = "230502200201"
ERMALU = "230502004000"
QIJIANG = "500110000000"
DATONG = "500110011000"
DONGXI = "500110009000"
LIANHU = "610104000000"


# --- factories for registry and cases (plain functions through the real services) ------------------

_id_counter = [0]


def new_id(birth: str = "19800101", area: str = "230502", female: bool = False) -> str:
    """A valid, unique ID number (GB 11643 check digit)."""
    from datetime import date, timedelta

    from jiuzhu.core import idnumber

    _id_counter[0] += 1
    n = _id_counter[0]
    day = date(int(birth[:4]), int(birth[4:6]), int(birth[6:])) + timedelta(days=n // 499)
    seq = n % 499 * 2 + (0 if female else 1)
    return idnumber.make(f"{area}{day:%Y%m%d}{seq:03d}")


def member(name: str, relation: str = "head", **kw):
    from jiuzhu.registry.services import MemberInput

    id_kw = kw.pop("id_kw", {})
    return MemberInput(
        name=name, id_number=kw.pop("id_number", None) or new_id(**id_kw), relation=relation, **kw
    )


def make_household(by: str = "ab_caseworker", area: str = ANBANG_VILLAGE, members=None, **kw):
    from jiuzhu.registry.services import household_create

    members = members or [
        member("王大山"),
        member("刘秀兰", "spouse", id_kw={"birth": "19820303", "female": True}),
    ]
    return household_create(
        by=user(by), area_code=area, address=kw.pop("address", "安邦村1组5号"), members=members, **kw
    )


def make_case(
    household=None, by: str = "ab_caseworker", assistance_type: str = "dibao_rural", applied_on=None, **kw
):
    from datetime import date

    from jiuzhu.cases.models import Channel
    from jiuzhu.cases.services.intake import CaseInput, case_create

    household = household or make_household()
    head = household.members.get(relation="head")
    data = CaseInput(
        assistance_type=assistance_type,
        applicant=head,
        applied_on=applied_on or date(2026, 11, 2),
        reason=kw.pop("reason", "因病致贫"),
        requested_amount=kw.pop("requested_amount", None),
        township_code=kw.pop("township_code", ""),
    )
    return case_create(
        by=user(by), household=household, data=data, channel=kw.pop("channel", Channel.COUNTER)
    )


def complete_intake(case, by: str = "ab_caseworker", on=None):
    """Receive every required material and signature, as the counter does before accepting."""
    from datetime import date

    from jiuzhu.cases.materials import missing_items
    from jiuzhu.cases.models import MaterialRequirement
    from jiuzhu.cases.services import intake

    on = on or max(case.applied_on, date(2026, 11, 2))
    for item in missing_items(case):
        if item.signature:
            intake.signature_record(
                by=user(by),
                case=case,
                member=case.household.members.get(pk=item.member_id),
                kind=item.signature,
                signed_on=on,
            )
        else:
            member_obj = case.household.members.get(pk=item.member_id) if item.member_id else None
            intake.material_receive(
                by=user(by),
                case=case,
                requirement=MaterialRequirement.objects.get(pk=item.requirement_id),
                member=member_obj,
                received_on=on,
            )
    return case
