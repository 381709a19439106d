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
# 三员分立: the security and audit administrators see no business data; the business access matrices leave them out,
# tests/orgs/test_separation.py checks that every business page refuses them.
ADMIN_USERS = {"security_admin": "js_secadmin", "audit_admin": "js_auditadmin"}
EVERY_USER = sorted({*ALL_JIANSHAN_USERS, *ADMIN_USERS.values()})

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
    from jiuzhu.registry.services.member_input import MemberInput

    id_kw = kw.pop("id_kw", {})
    return MemberInput(
        name=name, id_number=kw.pop("id_number", None) or new_id(**id_kw), relation=relation, **kw
    )


def make_household(by: str = "ab_caseworker", area: str = ANBANG_VILLAGE, members=None, **kw):
    from jiuzhu.registry.services.households import household_create

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
    from jiuzhu.cases.materials import missing_items
    from jiuzhu.cases.models import MaterialRequirement
    from jiuzhu.cases.services import intake

    on = on or case.applied_on
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


# --- workflow helpers: drive a case along its steps with plausible dates ---------------------------


def d(text: str):
    from datetime import date

    return date.fromisoformat(text)


def township_staff_ids(case) -> list[int]:
    from jiuzhu.orgs.models import User

    return list(
        User.objects.filter(memberships__organisation__jurisdiction_id=case.township_code)
        .values_list("id", flat=True)
        .distinct()[:2]
    )


def accept(case, by="ab_caseworker", on="2026-11-03"):
    from jiuzhu.cases.services import intake

    complete_intake(case, by=by)
    intake.accept(by=user(by), case=case, accepted_on=d(on))
    return case


def verify(
    case,
    by="ab_caseworker",
    verifier="ab_verifier",
    requested="2026-11-04",
    completed="2026-11-06",
    result="pass",
):
    from jiuzhu.cases.services import steps

    steps.verify_request(by=user(by), case=case, on=d(requested))
    steps.verify_result(
        by=user(verifier),
        case=case,
        data=steps.VerificationResult(
            completed_on=d(completed),
            result=result,
            monthly_income="900",
            per_capita_income="450",
            assets_value="0",
            findings="未发现存款、车辆和工商登记",
        ),
    )
    return case


def investigate(case, by="ab_caseworker", on="2026-11-09"):
    from jiuzhu.cases.services import steps

    steps.investigate(
        by=user(by),
        case=case,
        data=steps.InvestigationInput(
            visited_on=d(on),
            investigator_ids=township_staff_ids(case),
            home_visit="住房简陋，无大件家电",
            conclusion="情况属实",
            neighbour_interviews="邻居反映属实",
            investigators_signed=True,
            applicant_signed=True,
        ),
    )
    return case


def review(case, by="ab_caseworker", on="2026-11-10", size=5):
    from jiuzhu.cases.services import steps

    steps.review(
        by=user(by),
        case=case,
        data=steps.ReviewInput(
            held_on=d(on),
            panel=[f"评议员{i}" for i in range(size)],
            minutes="一致认可",
            votes_for=size,
            votes_against=0,
            all_signed=True,
        ),
    )
    return case


def meeting(on="2026-11-12", outcome="approve", amount=None, reasons=""):
    from jiuzhu.cases.services import steps

    return steps.MeetingInput(
        held_on=d(on),
        attendees=[{"name": "刘宏伟", "title": "副乡长"}, {"name": "王春燕", "title": "经办"}],
        minutes="经研究同意纳入",
        outcome=outcome,
        amount=amount,
        reasons=reasons,
    )


def to_investigated(case=None, **kw):
    case = case or make_case(**kw)
    accept(case)
    verify(case)
    investigate(case)
    return case


# --- benefits and payments ------------------------------------------------------------------------


STAFF = {  # township → (case worker, approver, verifier)
    ANBANG: ("ab_caseworker", "ab_approver", "ab_verifier"),
    ERMALU: ("emr_caseworker", "emr_approver", "js_verifier"),
}


def approved(case, *, final_on="2026-11-20", amount=None):
    """A case approved on the delegated route (decided 11-12, notice from 11-12, final on `final_on`)."""
    from jiuzhu.cases.services import steps

    by, approver, verifier = STAFF[case.township_code]
    accept(case, by=by)
    verify(case, by=by, verifier=verifier)
    investigate(case, by=by)
    steps.decide(by=user(approver), case=case, data=meeting(amount=amount))
    steps.post_notice(by=user(by), cases=[case], start_on=d("2026-11-12"))
    steps.finalize(by=user(approver), case=case, on=d(final_on))
    return case


def enrolled(household=None, *, account: str | None = "6217000012345678901", **kw):
    """An approved 低保 case on the rolls from December 2026, with a bank account unless account=None."""
    from jiuzhu.benefits import services

    household = household or make_household()
    case = approved(make_case(household, by=STAFF[household.area_code[:9] + "000"][0], **kw))
    enrolment = case.enrolment
    if account:
        enrolment = services.bank_account_set(
            by=user(STAFF[case.township_code][0]),
            enrolment=enrolment,
            bank_name="农村信用社",
            holder=case.household.head_name,
            account=account,
        )
    return enrolment


def payable_world() -> list:
    """Four enrolments paid from December 2026 in 尖山区 (three in 安邦乡, one in 二马路街道), then the
    clock on 1 December: the world of the payroll tests."""
    from datetime import datetime

    from jiuzhu.core import clock

    out = [enrolled(account=f"62170000000000000{i:02d}") for i in range(3)]
    out.append(
        enrolled(
            make_household(by="emr_caseworker", area="230502004001", address="光明社区1号"),
            assistance_type="dibao_urban",
            account="6217000000000000099",
        )
    )
    clock.freeze(datetime(2026, 12, 1, 9))
    return out


def run_payroll(county: str = JIANSHAN, month: str = "2026-12-01", by: str = "js_finance"):
    """Start a payroll run and let the (immediate) task backend execute it, as after a commit."""
    from django.test import TestCase

    from jiuzhu.payments import payroll
    from jiuzhu.payments.models import PayrollRun

    with TestCase.captureOnCommitCallbacks(execute=True):
        run = payroll.start(by=user(by), county_code=county, month=d(month))
    return PayrollRun.objects.get(pk=run.pk)


def legacy_duplicate(household, name: str, number: str, relation: str = "other"):
    """A member row as data from before the one-household rule (A1) holds it: the person is active in
    another household too. Written directly (every service refuses it), marked as migration 0003 marks
    such rows."""
    from jiuzhu.core import clock, idnumber
    from jiuzhu.registry.identity import id_fields
    from jiuzhu.registry.models import Member

    info = idnumber.parse(number)
    now = clock.now()
    return Member.objects.create(
        household=household,
        area_code=household.area_code,
        name=name,
        **id_fields(number),
        birth_date=info.birth_date,
        sex=info.sex,
        relation=relation,
        duplicate_before_rule=True,
        created_at=now,
        updated_at=now,
    )


def phone_code(phone: str) -> str:
    """Ask for a one-time code for `phone` as the portal's button does, and read it from the test outbox."""
    import re

    from jiuzhu.portal import phone as codes

    codes.code_send(phone=phone)
    sent_to, text = codes.outbox[-1]
    assert sent_to == phone
    return re.search(r"验证码 (\d{6})", text).group(1)


def body_of(response) -> bytes:
    """The whole body of a response, streamed (an Excel export) or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content
