"""P7a in the browser: the administrator is reminded on the home page, loads next year's arrangement with a
preview, and the reminder goes away."""

import pytest

from tests.browser.conftest import login, shot


@pytest.mark.usefixtures("package_stops_at_2026")
def test_P7a_admin_is_reminded_then_loads_next_year_after_a_preview(page):
    login(page, "js_admin")
    assert "2027 年节假日安排尚未导入" in page.locator('[data-testid="calendar-reminder"]').inner_text()
    page.click("text=前往工作日历")
    page.wait_for_load_state("networkidle")
    assert page.locator('[data-testid="year-status-2027"]').get_attribute("data-status") == "provisional"
    page.fill("#id_text", "2027-01-01 至 2027-01-03 元旦\n2027-02-05 至 2027-02-11 春节\n2027-02-14 补班")
    page.fill("#id_source", "测试")
    page.click('[data-testid="preview-load"]')
    page.wait_for_load_state("networkidle")
    preview = page.locator('[data-testid="calendar-preview"]')
    assert "2027-02-14" in preview.inner_text() and "清明节" in preview.inner_text()  # left out: warned
    shot(page, "calendar-preview")
    page.click('[data-testid="confirm-load"]')
    page.wait_for_load_state("networkidle")
    assert page.locator('[data-testid="year-status-2027"]').get_attribute("data-status") == "loaded"
    assert "已导入 2027 年节假日安排" in page.content()
    page.goto(page.base_url + "/")
    assert page.locator('[data-testid="calendar-reminder"]').count() == 0
    assert page.js_errors == []
