"""Foundation acceptance: a township case worker and a bureau officer log in and see their landing page."""

from tests.browser.conftest import login, shot


def test_township_caseworker_landing(page):
    login(page, "ab_caseworker")
    assert page.url.rstrip("/") == page.base_url.rstrip("/")
    section = page.locator('[data-testid="landing-township_caseworker"]')
    assert section.is_visible()
    assert "安邦乡人民政府" in section.inner_text()
    assert "受委托审批" in section.inner_text()  # 尖山 delegated everything from 2021-07-01
    assert page.locator("nav#jz-sidebar").get_by_text("工作日历").is_visible()
    assert page.locator("nav#jz-sidebar").get_by_text("审计日志").count() == 0  # not for this role
    shot(page, "landing-township-caseworker")
    assert page.js_errors == []


def test_bureau_officer_landing_and_rollout(page):
    login(page, "js_bureau")
    section = page.locator('[data-testid="landing-bureau_officer"]')
    assert "尖山区民政局" in section.inner_text()
    assert "32 / 32" in section.inner_text()  # 8 townships × 4 categories delegated
    shot(page, "landing-bureau-officer")
    page.click("text=查看推进表")
    page.wait_for_load_state("networkidle")
    table = page.locator('[data-testid="rollout-table"]')
    assert "安邦乡" in table.inner_text() and "已委托" in table.inner_text()
    page.select_option("#id_township", label="安邦乡")
    page.fill("#id_day", "2021-06-30")
    page.get_by_role("button", name="查询").last.click()
    page.wait_for_selector('[data-testid="who-result"]')
    assert "民政局审批" in page.locator('[data-testid="who-result"]').inner_text()
    shot(page, "rollout-bureau")
    assert page.js_errors == []


def test_wrong_password_then_phone_layout(page):
    login(page, "ab_approver", "wrong-password")
    assert page.locator('[data-testid="login-error"]').is_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "ab_approver")
    assert page.locator('[data-testid="landing-township_approver"]').is_visible()
    shot(page, "landing-phone")
