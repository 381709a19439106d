"""The registry: validation, protection of ID numbers, search, and the pages."""

from datetime import date, timedelta

import pytest

from jiuzhu.core import crypto, idnumber
from jiuzhu.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.registry import identity, selectors
from jiuzhu.registry.models import Household, IncomeItem, Member
from jiuzhu.registry.services import households, income_assets, members
from tests.helpers import ANBANG_VILLAGE, body_of, client_for, make_case, make_household, member, new_id, user

pytestmark = pytest.mark.django_db


def test_household_with_members_is_stored_encrypted_with_blind_index():
    number = new_id()
    household = make_household(members=[member("王大山", id_number=number)])
    stored = Member.objects.get(household=household)
    assert number not in stored.id_cipher
    assert crypto.decrypt(stored.id_cipher, purpose=identity.ID_PURPOSE) == number
    assert stored.id_index == identity.id_index_of(number)
    assert stored.id_masked == number[:6] + "********" + number[-4:]
    assert stored.birth_date == idnumber.parse(number).birth_date
    assert household.head_name == "王大山" and household.urban_rural == "rural"
    event = AuditEvent.objects.get(action="household.create", object_id=str(household.pk))
    assert number not in str(event.after)


def _refused(**kwargs) -> ValidationFailed:
    before = (Household.objects.count(), Member.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        make_household(**kwargs)
    assert (Household.objects.count(), Member.objects.count()) == before  # nothing half-written
    return exc.value


def test_wrong_check_digit():
    number = new_id()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    exc = _refused(members=[member("王大山", id_number=wrong)])
    assert "校验位不正确" in exc.message


def test_birth_date_and_sex_contradicting_the_id_number():
    number = new_id(birth="19800101")  # a man's number; its birth day moves on as the suite makes numbers
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    exc = _refused(members=[member("王大山", id_number=number, birth_date=born + timedelta(days=1), sex="F")])
    assert "出生日期" in exc.message and f"{born:%Y-%m-%d}" in exc.message
    assert "性别与身份证号不符" in exc.message


def test_same_id_twice_in_one_household():
    number = new_id()
    exc = _refused(members=[member("王大山", id_number=number), member("王小山", "child", id_number=number)])
    assert "在本户重复" in exc.message


def test_exactly_one_head_and_every_problem_at_once():
    exc = _refused(members=[member("甲", "child", id_number="123"), member("乙", "spouse")], address=" ")
    assert "每户须有且只有一名户主" in exc.message
    assert "请填写住址" in exc.message and "18位" in exc.message


def test_future_birth_in_id_number():
    exc = _refused(members=[member("王大山", id_number=idnumber.make("23050220271201001"))])
    assert "出生日期不合理" in exc.message


@pytest.mark.parametrize(
    "amount, message",
    [("-5", "不能为负数"), ("20000000", "超出合理范围"), ("12.345", "两位小数"), ("abc", "不是有效")],
)
def test_negative_or_absurd_income_refused(amount, message):
    household = make_household()
    with pytest.raises(ValidationFailed) as exc:
        income_assets.income_add(
            by=user("ab_caseworker"),
            household=household,
            category="wage",
            description="务工",
            monthly_amount=amount,
        )
    assert message in exc.value.message
    assert IncomeItem.objects.filter(household=household).count() == 0


def test_income_summary_per_covered_member():
    household = make_household(
        members=[
            member("王大山"),
            member("王小山", "child", covered=False, covered_note="长期外出务工"),
            member("刘秀兰", "spouse"),
        ]
    )
    income_assets.income_add(
        by=user("ab_caseworker"),
        household=household,
        category="wage",
        description="务工",
        monthly_amount="1000",
    )
    income_assets.income_add(
        by=user("ab_caseworker"),
        household=household,
        category="transfer",
        description="残疾人两项补贴",
        monthly_amount="200",
        excluded=True,
        excluded_reason="政策规定不计入",
    )
    summary = selectors.income_summary(household)
    assert summary["covered"] == 2 and summary["counted"] == 1000 and summary["per_head"] == 500


def test_not_covered_needs_a_reason():
    exc = _refused(members=[member("王大山"), member("王小山", "child", covered=False)])
    assert "须说明原因" in exc.message


def test_version_conflict():
    household = make_household()
    households.household_update(
        by=user("ab_caseworker"), household=household, expected_version=household.version, phone="1"
    )
    with pytest.raises(Conflict):
        households.household_update(
            by=user("ab_approver"), household=household, expected_version=1, phone="2"
        )


def test_reveal_needs_role_scope_and_is_logged():
    household = make_household()
    m = household.members.get(relation="head")
    number = members.member_reveal_id(by=user("ab_caseworker"), member=m)
    assert idnumber.parse(number).number == number
    assert AuditEvent.objects.filter(
        action="pii.reveal_id", object_id=str(m.pk), actor__username="ab_caseworker"
    ).exists()
    with pytest.raises(Forbidden):
        members.member_reveal_id(by=user("ab_assistant"), member=m)
    with pytest.raises(NotFound):
        members.member_reveal_id(by=user("emr_caseworker"), member=m)


def test_reveal_button_through_the_page():
    household = make_household()
    m = household.members.get(relation="head")
    page = client_for("ab_caseworker").get(f"/registry/households/{household.pk}/").content.decode()
    assert m.id_masked in page and f"/registry/members/{m.pk}/reveal/" in page
    shown = client_for("ab_caseworker").post(f"/registry/members/{m.pk}/reveal/").content.decode()
    assert members.member_reveal_id(by=user("js_bureau"), member=m) in shown
    assert client_for("ab_assistant").post(f"/registry/members/{m.pk}/reveal/").status_code == 403
    assert client_for("emr_caseworker").post(f"/registry/members/{m.pk}/reveal/").status_code == 404


def test_search_by_name_exact_id_and_village():
    number = new_id()
    household = make_household(members=[member("赵铁柱", id_number=number)])
    make_household(members=[member("钱多多")])
    assert list(selectors.search_households(user("ab_caseworker"), q="铁柱")) == [household]
    assert list(selectors.search_households(user("ab_caseworker"), id_number=number.lower())) == [household]
    assert not selectors.search_households(user("ab_caseworker"), id_number=new_id()).exists()
    in_village = selectors.search_households(user("js_bureau"), area=ANBANG_VILLAGE)
    assert household in in_village
    assert not selectors.search_households(user("emr_caseworker"), q="铁柱").exists()


def test_household_form_keeps_what_was_typed_on_error():
    c = client_for("ab_caseworker")
    valid = new_id()
    bad_id = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    data = {
        "area_code": ANBANG_VILLAGE,
        "address": "安邦村2组8号",
        "urban_rural": "",
        "hukou_area_code": "",
        "hukou_address": "",
        "phone": "",
        "m-TOTAL_FORMS": "1",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "30",
        "m-0-name": "孙悟空",
        "m-0-id_number": bad_id,
        "m-0-relation": "head",
        "m-0-work_ability": "full",
        "m-0-employment": "farming",
        "m-0-covered": "on",
    }
    response = c.post("/registry/households/new/", data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "校验位不正确" in body and "孙悟空" in body and "安邦村2组8号" in body
    assert not Household.objects.filter(address="安邦村2组8号").exists()


def test_list_export_masks_ids():
    number = new_id()
    make_household(members=[member("周八", id_number=number)])
    response = client_for("js_bureau").get("/registry/households/?export=xlsx")
    import io

    from openpyxl import load_workbook

    cells = [
        str(c)
        for row in load_workbook(io.BytesIO(body_of(response))).active.iter_rows(values_only=True)
        for c in row
    ]
    assert number not in cells and (number[:6] + "********" + number[-4:]) in cells


def test_member_leave_and_head_refresh():
    household = make_household()
    spouse = household.members.get(relation="spouse")
    members.member_leave(by=user("ab_caseworker"), member=spouse, on=date(2026, 11, 1), reason="moved")
    with pytest.raises(ValidationFailed):
        members.member_leave(
            by=user("ab_caseworker"),
            member=household.members.get(relation="head"),
            on=date(2026, 12, 1),
            reason="moved",
        )


def test_income_and_asset_forms_keep_what_was_typed_when_refused():
    household = make_household()
    c = client_for("ab_caseworker")
    url = f"/registry/households/{household.pk}/income/"
    r = c.post(url, {"category": "wage", "description": "县城打零工", "monthly_amount": "-300"})
    body = r.content.decode()
    assert r.status_code == 422 and 'value="县城打零工"' in body and 'value="-300"' in body
    assert not household.incomes.exists()
    r = c.post(url, {"category": "wage", "description": "县城打零工", "monthly_amount": "300"})
    assert r.status_code == 302 and household.incomes.get().monthly_amount == 300
    r = c.post(
        f"/registry/households/{household.pk}/assets/",
        {"kind": "vehicle", "description": "二手农用三轮车", "value": "abc"},
    )
    body = r.content.decode()
    assert r.status_code == 422 and 'value="二手农用三轮车"' in body and not household.assets.exists()


def test_editing_a_member_keeps_the_id_number_when_left_blank():
    household = make_household()
    head = household.members.get(relation="head")
    index, masked = head.id_index, head.id_masked
    c = client_for("ab_caseworker")
    page = c.get(f"/registry/members/{head.pk}/edit/").content.decode()
    assert "不修改请留空" in page and crypto.decrypt(head.id_cipher, purpose="id_number") not in page
    r = c.post(
        f"/registry/members/{head.pk}/edit/",
        {
            "name": "王大山",
            "id_number": "",
            "relation": "head",
            "work_ability": "partial",
            "employment": head.employment,
            "covered": "on",
            "version": household.version,
        },
    )
    assert r.status_code == 302
    head.refresh_from_db()
    assert head.work_ability == "partial" and head.id_index == index and head.id_masked == masked


def test_the_household_page_lists_its_applications_through_the_panel_cases_registers():
    """The registry sits below cases: the applications on the household page come from the panel cases
    registers (registry.hooks), scoped like every list of cases."""
    case = make_case()
    page = client_for("ab_caseworker").get(f"/registry/households/{case.household_id}/").content.decode()
    assert "救助申请" in page and case.number in page and f"/cases/{case.pk}/" in page
    other = make_household()
    page = client_for("ab_caseworker").get(f"/registry/households/{other.pk}/").content.decode()
    assert "暂无申请" in page and case.number not in page


def test_income_of_a_member_who_left_is_refused_by_the_api_as_by_the_page():
    """One selector (`active_member`) says whom an income item may name, for the page and the API alike."""
    household = make_household()
    spouse = household.members.get(relation="spouse")
    members.member_leave(by=user("ab_caseworker"), member=spouse, on=date(2026, 11, 1), reason="moved")
    c = client_for("ab_caseworker")
    income = {"category": "wage", "description": "打零工", "monthly_amount": "800"}
    r = c.post(
        f"/api/v1/households/{household.pk}/incomes",
        income | {"member_id": spouse.pk},
        content_type="application/json",
    )
    assert r.status_code == 400 and "成员不属于本户" in r.json()["message"]
    page = c.post(f"/registry/households/{household.pk}/income/", income | {"member": spouse.pk})
    assert page.status_code == 422 and not IncomeItem.objects.filter(household=household).exists()
    head = household.members.get(relation="head")
    r = c.post(
        f"/api/v1/households/{household.pk}/incomes",
        income | {"member_id": head.pk},
        content_type="application/json",
    )
    assert r.status_code == 201 and IncomeItem.objects.get(household=household).member == head


def test_an_asset_naming_a_member_of_another_household_is_refused_like_an_income():
    household, other = make_household(), make_household()
    stranger = other.members.get(relation="head")
    with pytest.raises(ValidationFailed) as exc:
        income_assets.asset_add(
            by=user("ab_caseworker"), household=household, kind="deposit", description="活期", member=stranger
        )
    assert exc.value.field_errors["member"] == ["成员不属于本户"]
    assert not household.assets.exists()
