"""Issue 3 acceptance: a case worker registers a household, opens a 低保 application with two materials
missing, prints the one-time notice, then completes the materials."""

from tests.browser.conftest import login, shot
from tests.helpers import new_id


def test_register_household_apply_notice_and_complete(page):
    login(page, "ab_caseworker")
    page.goto(page.base_url + "/registry/households/new/")
    page.select_option("#id_area_code", "230502200201")
    page.fill("#id_address", "安邦村3组18号")
    page.fill("#id_phone", "13904690000")
    page.fill("#id_m-0-name", "赵春生")
    page.fill("#id_m-0-id_number", new_id(birth="19610305"))
    page.select_option("#id_m-0-work_ability", "partial")
    page.click("[data-formset-add=m]")
    page.fill("#id_m-1-name", "孙桂芝")
    page.fill("#id_m-1-id_number", new_id(birth="19630918", female=True))
    page.select_option("#id_m-1-relation", "spouse")
    page.select_option("#id_m-1-disability", "physical")
    page.select_option("#id_m-1-disability_grade", "2")
    page.check("#id_m-1-covered")
    shot(page, "intake-1-household-form")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=已登记家庭")
    assert "赵春生户" in page.inner_text("h1")

    page.click("[data-testid=apply]")
    page.select_option("#id_assistance_type", "dibao_rural")
    page.fill("#id_reason", "妻子肢体残疾，本人部分丧失劳动能力，家庭收入低于当地低保标准")
    page.get_by_role("button", name="登记申请").click()
    page.wait_for_selector("[data-testid=case-status]")
    assert page.inner_text("[data-testid=case-status]") == "待受理"

    for i in (1, 2):  # both adults sign the authorisation and the commitment
        for kind in ("authorisation", "commitment"):
            page.click(f"[data-testid=sign-{kind}-{i}]")
            page.wait_for_load_state("networkidle")
    missing = page.locator("[data-testid=missing] li").all_inner_texts()
    assert (
        len(missing) == 2
        and any("申请书" in m for m in missing)
        and any("困难情况说明" in m for m in missing)
    )

    # A4: one button issues the notice as a numbered document kept with the case.
    page.click("[data-testid=notify-missing]")
    page.wait_for_selector("[data-testid=document-number]")
    number = page.inner_text("[data-testid=document-number]")
    assert "一次性告知书" in page.inner_text("h1") and number
    shot(page, "intake-2-one-time-notice-document")

    page.go_back()
    page.reload()
    page.wait_for_selector("[data-testid=case-status]")
    assert number in page.inner_text("[data-testid=documents]")
    assert page.inner_text("[data-testid=case-status]") == "待补齐材料"
    page.click("[data-testid=receive-application_form]")
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=receive-hardship_statement]")
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=accept]")
    page.wait_for_selector("text=已受理")
    assert page.inner_text("[data-testid=case-status]") == "已受理"
    shot(page, "intake-3-accepted")
    assert page.js_errors == []
