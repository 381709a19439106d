"""The training copy (培训环境) in Chromium: the band on every page, the administrator moves the clock past a
7-day notice, and the approver finalises the case the same sitting."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from jiuzhu.cases.services import steps
from jiuzhu.core import clock
from tests.browser.conftest import login, shot
from tests.browser.test_workflow import _as, act, status
from tests.helpers import accept, d, investigate, make_case, make_household, meeting, user, verify


@pytest.fixture(autouse=True)
def _training_copy(settings, tmp_path):
    clock.freeze(datetime(2026, 11, 12, 10))
    settings.JIUZHU_TRAINING = True
    settings.JIUZHU_TRAINING_CLOCK_FILE = tmp_path / "training-clock.json"


def test_training_copy_moves_past_the_notice_and_the_case_is_finalised(page, browser):
    case = make_case(make_household(address="安邦村5组8号"), applied_on=d("2026-11-02"))
    accept(case)
    verify(case)
    investigate(case)
    steps.decide(by=user("ab_approver"), case=case, data=meeting())
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=clock.today())
    url = f"{page.base_url}/cases/{case.pk}/"

    approver = _as(browser, page.base_url, "ab_approver")
    approver.goto(url)
    assert "培训环境 — 数据非真实" in approver.inner_text("[data-testid=training-band]")
    assert status(approver) == "公示中"
    # P3: before the notice ends the page says why the approval must wait.
    assert "暂不可办理：公示期至 2026-11-18" in approver.inner_text('[data-testid="action-finalize"]')
    # An approver cannot move the clock; no link to the page either.
    assert approver.locator("[data-testid=training-clock-link]").count() == 0

    login(page, "js_admin")
    page.click("[data-testid=training-clock-link]")
    assert "培训环境时钟" in page.inner_text("main")
    shot(page, "training-clock")
    page.click("[data-testid=clock-week]")
    page.wait_for_load_state("networkidle")
    assert "前进 7 天" in page.inner_text(".alert-success")
    assert clock.today() == d("2026-11-12") + timedelta(days=7)

    approver.reload()
    act(approver, "finalize")
    assert status(approver) == "已批准"
    assert "2026年11月19日" in approver.inner_text("[data-testid=training-band]")
    shot(approver, "training-finalised")
    case.refresh_from_db()
    assert case.decision.decided_on == d("2026-11-19")
    approver.context.close()
    assert page.js_errors == []
