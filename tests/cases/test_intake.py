"""Intake: applications from every channel, materials and notices, checks at intake (A1–A4, DM2)."""

from datetime import date

import pytest

from jiuzhu.cases import checks
from jiuzhu.cases.materials import missing_items
from jiuzhu.cases.models import Case, CaseNotice, CheckCode, MaterialRequirement, Signature
from jiuzhu.cases.services import intake
from jiuzhu.cases.states import State
from jiuzhu.core.errors import Conflict, Forbidden, TransitionNotAllowed, ValidationFailed
from jiuzhu.registry.models import DiscoveryStatus
from jiuzhu.registry.services.discovery import discovery_create
from jiuzhu.registry.services.relatives import RelativeInput, relative_add
from tests.helpers import (
    ANBANG_VILLAGE,
    client_for,
    complete_intake,
    make_case,
    make_household,
    member,
    new_id,
    user,
)

pytestmark = pytest.mark.django_db


def test_numbers_are_county_year_sequence_and_unique():
    first = make_case()
    second = make_case()
    assert first.number.startswith("230502-2026-") and len(first.number) == 18
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    past = make_case(applied_on=date(2025, 3, 1))
    assert past.number.startswith("230502-2025-")


def test_past_dates_allowed_future_refused():
    make_case(applied_on=date(2024, 5, 6))
    with pytest.raises(ValidationFailed) as exc:
        make_case(applied_on=date(2026, 11, 21))
    assert "申请日期不能晚于今天" in exc.value.message


def test_village_assistant_applies_on_behalf():
    household = make_household(by="ab_assistant")
    case = make_case(household, by="ab_assistant", channel="village")
    assert case.channel == "village" and case.status == State.SUBMITTED
    with pytest.raises(Forbidden):
        intake.accept(by=user("ab_assistant"), case=case, accepted_on=date(2026, 11, 20))


def test_type_must_fit_the_household_and_temporary_aid_needs_an_amount():
    household = make_household()
    with pytest.raises(ValidationFailed) as exc:
        make_case(household, assistance_type="dibao_urban")
    assert "农村家庭" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:
        make_case(household, assistance_type="linshi_expense")
    assert "申请金额" in exc.value.message
    assert (
        make_case(household, assistance_type="linshi_expense", requested_amount="1500").requested_amount
        == 1500
    )


def test_A3_missing_items_exclude_shared_materials_and_include_signatures():
    case = make_case()
    labels = [m.label for m in missing_items(case)]
    assert any("申请书" in label for label in labels)
    assert any("困难情况说明" in label for label in labels)
    assert not any("户口簿" in label for label in labels)  # obtained by data sharing, never demanded
    assert sum("授权书" in label for label in labels) == 2 and sum("承诺书" in label for label in labels) == 2
    shared = MaterialRequirement.objects.get(assistance_type="dibao_rural", code="id_hukou", scope_code="")
    with pytest.raises(ValidationFailed) as exc:
        intake.material_receive(
            by=user("ab_caseworker"), case=case, requirement=shared, received_on=date(2026, 11, 2)
        )
    assert "数据共享" in exc.value.message


def test_A4_one_time_notice_lists_every_missing_item_then_accept_after_completion():
    case = make_case()
    with pytest.raises(TransitionNotAllowed) as exc:
        intake.accept(by=user("ab_caseworker"), case=case, accepted_on=date(2026, 11, 3))
    assert "材料不齐" in exc.value.message
    notice = intake.notify_missing(by=user("ab_caseworker"), case=case)
    assert case.status == State.INCOMPLETE
    assert len(notice.items) == len(missing_items(case)) == 6
    complete_intake(case)
    with pytest.raises(ValidationFailed):
        intake.accept(
            by=user("ab_caseworker"), case=case, accepted_on=date(2026, 11, 1)
        )  # before the application
    intake.accept(by=user("ab_caseworker"), case=case, accepted_on=date(2026, 11, 5))
    case.refresh_from_db()
    assert case.status == State.ACCEPTED
    with pytest.raises(ValidationFailed):
        intake.material_receive(
            by=user("ab_caseworker"),
            case=make_case(),
            received_on=date(2026, 11, 25),
            requirement=MaterialRequirement.objects.get(
                assistance_type="dibao_rural", code="application_form", scope_code=""
            ),
        )


def test_A4_not_eligible_notice_with_reasons():
    case = make_case()
    with pytest.raises(ValidationFailed):
        intake.refuse(by=user("ab_caseworker"), case=case, reasons=["  "])
    notice = intake.refuse(by=user("ab_caseworker"), case=case, reasons=["家庭人均收入明显高于当地低保标准"])
    case.refresh_from_db()
    assert case.status == State.NOT_ACCEPTED and notice.kind == "not_eligible"
    page = client_for("ab_caseworker").get(f"/cases/{case.pk}/notices/{notice.pk}/").content.decode()
    assert "不予受理告知书" in page and "明显高于" in page


def test_withdraw_and_stale_version_conflict():
    case = make_case()
    complete_intake(case)
    stale = case.version
    intake.withdraw(by=user("ab_caseworker"), case=case, on=date(2026, 11, 10), reason="家庭情况好转")
    with pytest.raises(Conflict) as exc:
        intake.accept(
            by=user("ab_caseworker"),
            case=Case.objects.get(pk=case.pk),
            accepted_on=date(2026, 11, 10),
            expected_version=stale,
        )
    assert "刚被他人处理" in exc.value.message


def test_check_person_in_another_household_and_open_case():
    number = new_id()
    first = make_household(members=[member("李四", id_number=number)])
    make_case(first)
    second = make_household(
        members=[member("张三"), member("李四", "spouse", id_number=number)], address="另一处"
    )
    case = make_case(second)
    codes = {c.code for c in case.checks.all()}
    assert CheckCode.OTHER_HOUSEHOLD in codes and CheckCode.OPEN_CASE in codes


def test_A1_application_at_a_township_neither_registration_nor_residence():
    household = make_household()
    case = make_case(household, by="js_bureau", township_code="230502004000")
    assert CheckCode.WRONG_TOWNSHIP in {c.code for c in case.checks.all()}
    fine = make_case(
        make_household(hukou_area_code="230502004001"), by="js_bureau", township_code="230502004000"
    )
    assert CheckCode.WRONG_TOWNSHIP not in {c.code for c in fine.checks.all()}


def test_DM2_near_relative_flags_the_case_and_filing_clears_the_block():
    number = new_id()
    relative = relative_add(
        by=user("ab_caseworker"),
        area_code="230502200000",
        data=RelativeInput("刘宏伟", "staff", "安邦乡人民政府", "刘小红", number, "妹妹", date(2025, 1, 1)),
    )
    household = make_household(members=[member("刘小红", id_number=number, id_kw={"female": True})])
    case = make_case(household)
    assert case.has_near_relative
    assert [c.code for c in checks.missing_filings(case)] == [CheckCode.NEAR_RELATIVE]
    intake.file_near_relative(
        by=user("ab_caseworker"),
        case=case,
        relative=relative,
        filed_on=date(2026, 11, 3),
        note="经乡纪委备案，审批时回避",
    )
    assert checks.missing_filings(case) == []


def test_DM2_a_relative_registered_after_intake_still_blocks_the_decision():
    from jiuzhu.cases.services import steps
    from tests.helpers import meeting, to_investigated

    number = new_id()
    household = make_household(members=[member("刘小红", id_number=number, id_kw={"female": True})])
    case = to_investigated(make_case(household))
    assert not case.has_near_relative and checks.missing_filings(case) == []
    relative = relative_add(
        by=user("ab_caseworker"),
        area_code="230502200000",
        data=RelativeInput("刘宏伟", "staff", "安邦乡人民政府", "刘小红", number, "妹妹", date(2025, 1, 1)),
    )
    with pytest.raises(TransitionNotAllowed) as exc:
        steps.decide(by=user("ab_approver"), case=case, data=meeting())
    assert "近亲属备案" in exc.value.message and "重新检查" in exc.value.message
    intake.rerun_checks(by=user("ab_caseworker"), case=case)
    intake.file_near_relative(
        by=user("ab_caseworker"), case=case, relative=relative, filed_on=date(2026, 11, 12), note="回避"
    )
    steps.decide(by=user("ab_approver"), case=case, data=meeting())


def test_A2_discovery_becomes_an_application_once_the_household_agrees():
    report = discovery_create(
        by=user("ab_assistant"),
        area_code=ANBANG_VILLAGE,
        family_name="孙大娘",
        address="安邦村4组",
        situation="独居老人，无收入",
        reported_on=date(2026, 11, 1),
    )
    household = make_household(by="ab_caseworker")
    head = household.members.get(relation="head")
    case = intake.case_from_discovery(
        by=user("ab_caseworker"),
        report=report,
        household=household,
        consent_on=date(2026, 11, 4),
        data=intake.CaseInput("tekun", head, date(2026, 11, 4), "独居老人"),
    )
    report.refresh_from_db()
    assert (
        case.channel == "discovery"
        and report.status == DiscoveryStatus.CONVERTED
        and case.discovery_id == report.pk
    )
    with pytest.raises(ValidationFailed):
        intake.case_from_discovery(
            by=user("ab_caseworker"),
            report=report,
            household=household,
            consent_on=date(2026, 11, 4),
            data=intake.CaseInput("tekun", head, date(2026, 11, 4), "再次"),
        )


def test_signatures_per_member_once():
    case = make_case()
    m = case.household.members.get(relation="head")
    intake.signature_record(
        by=user("ab_caseworker"), case=case, member=m, kind="commitment", signed_on=date(2026, 11, 2)
    )
    with pytest.raises(ValidationFailed):
        intake.signature_record(
            by=user("ab_caseworker"), case=case, member=m, kind="commitment", signed_on=date(2026, 11, 2)
        )
    assert Signature.objects.filter(case=case).count() == 1


def test_signature_table_columns_match_their_headers():
    import re

    case = make_case()
    html = client_for("ab_caseworker").get(f"/cases/{case.pk}/").content.decode()
    table = html.split('data-testid="signatures"')[1].split("</table>")[0]
    headers = re.findall(r"<th>([^<]+)</th>", table.split("</thead>")[0])[1:]
    first_row = table.split("</thead>")[1].split("</tr>")[0]
    kinds = re.findall(r'name="kind" value="(\w+)"', first_row)
    labels = dict(Signature._meta.get_field("kind").choices)
    assert headers == [labels[k] for k in kinds] and len(kinds) == 2


def test_pages_through_the_counter_flow():
    c = client_for("ab_caseworker")
    household = make_household()
    head = household.members.get(relation="head")
    r = c.post(
        f"/cases/new/?household={household.pk}",
        {
            "assistance_type": "dibao_rural",
            "applicant": head.pk,
            "applied_on": "2026-11-19",
            "township_code": "230502200000",
            "reason": "因病致贫",
        },
    )
    assert r.status_code == 302
    case = Case.objects.get(household=household)
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert "出具一次性告知书" in page and "数据共享获取" in page
    r = c.post(f"/cases/{case.pk}/notify-missing/")
    notice = CaseNotice.objects.get(case=case)
    assert r["Location"] == f"/cases/{case.pk}/notices/{notice.pk}/"
    printed = c.get(r["Location"]).content.decode()
    assert "一次性告知书" in printed and "家庭困难情况说明" in printed
    bad = c.post(
        f"/cases/new/?household={household.pk}",
        {
            "assistance_type": "dibao_rural",
            "applicant": head.pk,
            "applied_on": "2026-12-01",
            "township_code": "230502200000",
            "reason": "保留这段文字",
        },
    )
    assert (
        bad.status_code == 200
        and "不能晚于今天" in bad.content.decode()
        and "保留这段文字" in bad.content.decode()
    )
