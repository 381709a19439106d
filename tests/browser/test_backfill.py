"""In Chromium: 补录 as the township and the bureau do it — a date beyond the limit refused beside the field, a
request with its reason from the case page, the bureau's approval from its list, the step then entered with
the old date and marked 补录. Screenshots: test-artifacts/screenshots/backfill-*.png."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, shot
from tests.helpers import complete_intake, make_case, make_household

pytestmark = pytest.mark.browser


def test_backfill_request_approval_and_marked_step(page, browser):
    from jiuzhu.core.models import ParameterValue

    ParameterValue.objects.filter(key="steps.backdate_working_days", scope_code="").update(value=5)
    case = complete_intake(make_case(make_household()))
    login(page, "ab_caseworker")
    page.goto(page.base_url + f"/cases/{case.pk}/")
    page.fill("[name=accepted_on]", "2026-11-05")
    page.click("[data-testid=accept]")
    page.wait_for_load_state("networkidle")
    assert "超过补录期限" in page.content()
    shot(page, "backfill-1-refused")

    page.goto(page.base_url + f"/cases/{case.pk}/#backfill")
    page.locator("#backfill summary").click()
    page.select_option("[name=backfill-action]", "accept")
    page.fill("[name=backfill-step_on]", "2026-11-05")
    page.fill("[name=backfill-reason]", "纸质受理单当日已出具，系统停机未能录入")
    page.click("[data-testid=backfill-submit]")
    page.wait_for_load_state("networkidle")
    assert "待民政局审批" in page.inner_text("[data-testid=backfill]")
    shot(page, "backfill-2-requested")

    bureau = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
    bureau.base_url = page.base_url
    login(bureau, "js_bureau")
    bureau.goto(bureau.base_url + "/cases/backfills/")
    assert case.number in bureau.inner_text("[data-testid=backfills]")
    shot(bureau, "backfill-3-bureau-list")
    bureau.locator("[data-testid^=approve-]").first.click()
    bureau.wait_for_load_state("networkidle")
    assert "没有待审批的补录申请" in bureau.inner_text("[data-testid=backfills]")

    page.goto(page.base_url + f"/cases/{case.pk}/")
    page.fill("[name=accepted_on]", "2026-11-05")
    page.click("[data-testid=accept]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=case-status]") == "已受理"
    assert "已补录" in page.inner_text("[data-testid=backfill]")
    assert "补录（2026-11-05" in page.inner_text("[data-testid=timeline]")
    shot(page, "backfill-4-marked")
    assert not page.js_errors
