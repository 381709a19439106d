"""The assistance chain in the household file, in Chromium: from the 动态监测 menu to a warning of an enrolled
household, verified, referred and answered with aid, then the household file with its chain; a household with
nothing to adjust is offered 纳入救助 instead of 调整待遇."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_warning_referred_with_aid_appears_in_the_household_file_chain(page):
    from tests.helpers import client_for, enrolled, make_household, member, new_id
    from tests.monitoring.watch_helpers import csv_file, import_file

    number, bare = new_id(), new_id()
    household = make_household(members=[member("孙大海", id_number=number)])
    enrolled(household)
    make_household(members=[member("钱小二", id_number=bare)])
    header = ["身份证号", "姓名", "事项", "日期", "说明", "金额"]
    rows = [
        [number, "孙大海", "车辆", "2026-11-03", "小型轿车", "86000"],
        [bare, "钱小二", "车辆", "2026-11-04", "", ""],
    ]
    enrolled_warning, bare_warning = import_file(
        client_for("ab_caseworker"), "gongan", csv_file(header, rows)
    )

    login(page, "ab_caseworker")
    page.click(".jz-nav-section:has-text('动态监测') ~ a:has-text('监测预警')")
    page.wait_for_url("**/monitoring/warnings/")
    assert enrolled_warning.number in page.inner_text("main")
    page.goto(page.base_url + f"/monitoring/warnings/{enrolled_warning.pk}/")
    page.fill("[data-testid=form-verify] textarea", "入户核实，车辆用于跑运输")
    page.click("[data-testid=do-verify]")
    page.wait_for_selector("[data-testid=adjust-card]")
    page.select_option("[data-testid=form-refer] select", "employment")
    page.fill("[data-testid=form-refer] input[name=department]", "人社局")
    page.fill("[data-testid=form-refer] textarea", "申请就业帮扶")
    page.click("[data-testid=do-refer]")
    page.wait_for_selector("[data-testid=form-answer]")
    page.select_option("[data-testid=form-answer] select[name=granted]", "1")
    page.fill("[data-testid=form-answer] textarea", "已安排公益性岗位")
    page.click("[data-testid=do-answer]")
    page.wait_for_selector("text=已给予救助；已安排公益性岗位")

    page.goto(page.base_url + f"/archive/households/{household.pk}/")
    chain = page.inner_text("[data-testid=file-section-chain]")
    assert f"监测预警 {enrolled_warning.number}" in chain and "人社局反馈：就业救助（已给予救助）" in chain
    assert chain.index("核实（入户核实）") < chain.index("人社局反馈")
    shot(page, "household_file_chain")

    page.goto(page.base_url + f"/monitoring/warnings/{bare_warning.pk}/")
    page.fill("[data-testid=form-verify] textarea", "电话核实属实")
    page.select_option("[data-testid=form-verify] select[name=method]", "phone")
    page.click("[data-testid=do-verify]")
    page.wait_for_selector("[data-testid=no-enrolment]")
    assert page.locator("[data-testid=adjust-card]").count() == 0
    assert page.locator("[data-testid=form-enrol]").count() == 1
    shot(page, "warning_without_enrolment")
    assert not page.js_errors
