"""The guided first look (docs/user-guide.md, “十五分钟上手”): each role's tour through a small demo year, with the
screenshots of the guide taken here, so that they show the product as it is. The demo year is loaded at a small
size (the same walk as `load_demo --year`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from tests.browser.conftest import login

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# role → (username, [(page name, screenshot file, text the page must show)])
TOURS = {
    "caseworker": (
        "ab_caseworker",
        [("queue", "tour-caseworker-1-queue", "我的待办"), ("cases", "tour-caseworker-2-cases", "救助申请")],
    ),
    "approver": (
        "ab_approver",
        [
            ("cases", "tour-approver-1-cases", "救助申请"),
            ("deadlines", "tour-approver-2-deadlines", "办理时限"),
        ],
    ),
    "bureau": (
        "js_bureau",
        [
            ("sup_dashboard", "tour-bureau-1-dashboard", "监管概览"),
            ("enrolments", "tour-bureau-2-enrolments", "保障对象"),
        ],
    ),
    "inspector": (
        "js_inspector",
        [
            ("sup_samples", "tour-inspector-1-samples", "抽查"),
            ("sup_alerts", "tour-inspector-2-alerts", "预警"),
        ],
    ),
    "finance": (
        "js_finance",
        [
            ("payroll", "tour-finance-1-payroll", "月度发放"),
            ("back_pays", "tour-finance-2-back-pays", "补发"),
        ],
    ),
}


@pytest.fixture
def demo_year(transactional_world):
    from jiuzhu.console import demo_year

    return demo_year.run(households=24)


def _doc_shot(page, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=False)


def test_tour_of_each_role_through_the_demo_year(demo_year, page, browser):
    from jiuzhu.cases.models import Case

    assert Case.objects.filter(status="approved").exists()
    for _role, (username, stops) in TOURS.items():
        context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
        tour = context.new_page()
        tour.base_url = page.base_url
        login(tour, username)
        for url_name, shot_name, expected in stops:
            tour.goto(page.base_url + reverse(url_name))
            tour.wait_for_load_state("networkidle")
            assert expected in tour.inner_text("main"), (username, url_name)
            _doc_shot(tour, shot_name)
        context.close()
    # The caseworker's tour opens one case with its history (the guide's third picture).
    case = Case.objects.filter(status="approved", township_code="230502200000").first()
    assert case is not None
    login(page, "ab_caseworker")
    page.goto(f"{page.base_url}/cases/{case.pk}/")
    assert "已批准" in page.inner_text("[data-testid=case-status]")
    _doc_shot(page, "tour-caseworker-3-case")
    assert page.js_errors == []
