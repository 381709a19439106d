"""A1 as a user meets it: 保存, the back button and 保存 again create one household; the same person in a new
household is refused with where they are; 迁移 moves them."""

from jiuzhu.registry.models import Household, Member
from tests.browser.conftest import login, shot
from tests.helpers import new_id


def _fill_household(page, name: str, number: str, address: str) -> None:
    page.goto(page.base_url + "/registry/households/new/")
    page.select_option("#id_area_code", "230502200201")
    page.fill("#id_address", address)
    page.fill("#id_m-0-name", name)
    page.fill("#id_m-0-id_number", number)


def test_A1_back_button_saves_once_and_the_person_moves_by_transfer(page):
    login(page, "ab_caseworker")
    number = new_id(birth="19700101")
    _fill_household(page, "韩建军", number, "安邦村8组3号")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=已登记家庭")
    assert "韩建军户" in page.inner_text("h1")
    before = Household.objects.count()

    page.go_back()  # the form as it was sent, then 保存 again
    page.wait_for_selector("#id_address")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    assert Household.objects.count() == before
    assert "该表单已经提交过，未重复保存" in page.content()
    shot(page, "one-household-1-back-button")

    _fill_household(page, "韩建军", number, "安邦村9组1号")  # a fresh form: the person is refused
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("[data-testid=form-error]")
    assert "安邦村“韩建军户”（安邦村8组3号）的在户成员" in page.content()
    assert Household.objects.count() == before
    shot(page, "one-household-2-refused")

    _fill_household(page, "李四", new_id(birth="19720202"), "安邦村9组1号")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=已登记家庭")
    target = Household.objects.get(address="安邦村9组1号")
    spouse_number = new_id(birth="19750303", female=True)
    page.goto(
        page.base_url
        + f"/registry/households/{Household.objects.get(address='安邦村8组3号').pk}/members/new/"
    )
    page.fill("#id_name", "刘秀兰")
    page.fill("#id_id_number", spouse_number)
    page.select_option("#id_relation", "spouse")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=已增加家庭成员")
    spouse = Member.objects.get(name="刘秀兰", is_active=True)

    page.goto(page.base_url + f"/registry/members/{spouse.pk}/edit/")
    page.click("[data-testid=transfer-link]")
    page.fill("#to-q", "李四")
    page.get_by_role("button", name="查找").click()
    page.click(f"[data-testid=transfer-targets] a[href='?to={target.pk}']")
    page.select_option("#id_relation", "spouse")
    page.fill("#id_reason", "婚嫁迁入")
    shot(page, "one-household-3-transfer")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="确认迁移").click()
    page.wait_for_selector("text=已从")
    assert Member.objects.get(name="刘秀兰", is_active=True).household_id == target.pk
    assert "刘秀兰" in page.inner_text("table")
    shot(page, "one-household-4-moved")
    assert not page.js_errors  # type: ignore[attr-defined]
