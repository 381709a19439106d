"""The 比对 loop in Chromium: upload a 公安 file, import it, verify and resolve the warning, see the dashboard."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, shot
from tests.monitoring.watch_helpers import csv_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_township_imports_a_file_verifies_and_resolves_a_warning(page, tmp_path):
    from tests.helpers import make_household, member, new_id

    number = new_id()
    make_household(members=[member("钱多多", id_number=number)])
    path = tmp_path / "公安-2026-11.csv"
    path.write_bytes(
        csv_file(
            ["身份证号", "姓名", "事项", "日期", "说明"],
            [
                [number, "钱多多", "迁出", "2026-11-01", "迁往外省"],
                ["110101199003070012", "错号", "迁出", "2026-11-01", ""],
            ],
        )
    )
    login(page, "ab_caseworker")
    page.goto(page.base_url + "/monitoring/import/")
    page.select_option("#id_source", "gongan")
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=import-form] button")
    page.wait_for_selector("[data-testid=job][data-status=done]")
    assert "校验位不正确" in page.inner_text("[data-testid=errors]")
    shot(page, "watch_import_preview")
    page.once("dialog", lambda d: d.accept())
    page.click("[data-testid=commit-good]")
    page.wait_for_selector("[data-testid=job-outcome]")
    assert "已生成预警 1 条" in page.inner_text("[data-testid=job-outcome]")
    page.click("text=查看监测预警")
    page.click("[data-testid=warning-table] tbody a >> nth=0")
    page.select_option("#id_method", "phone")
    page.fill("[data-testid=form-verify] textarea", "电话核实，确已迁往外省")
    page.click("[data-testid=do-verify]")
    page.wait_for_selector("[data-testid=verification]")
    page.fill("[data-testid=form-close] textarea", "已迁出本县，无在保待遇")
    page.click("[data-testid=do-close]")
    page.wait_for_selector("[data-testid=resolution]")
    assert "无需处理" in page.inner_text("[data-testid=warning-status]")
    shot(page, "watch_warning_resolved")
    page.goto(page.base_url + "/monitoring/dashboard/?month=2026-11")
    assert page.inner_text("[data-testid=total-warnings]") == "1"
    shot(page, "watch_dashboard")
    assert not page.js_errors
