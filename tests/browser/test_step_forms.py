"""In Chromium: each step form of the case page filled in with one wrong field and submitted. The form comes
back in place with every other value still there, the wrong field marked, its message beside it, the field in
view and focused; putting it right and submitting again saves the step. Screenshots of what the user sees at
that moment go to test-artifacts/screenshots/step-form-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, login
from tests.cases.step_scenarios import SCENARIOS, Scenario


def _form(page, scenario: Scenario):
    if scenario.action == "filing":
        return page.locator("[data-testid=filing-form]")
    block = page.locator(f'[data-testid="action-{scenario.action}"]')
    if block.get_attribute("open") is None:
        block.locator("summary").click()
    return page.locator(f'[data-testid="form-{scenario.action}"]')


def _fill(form, scenario: Scenario, key: str, value: str) -> None:
    target = form.locator(f'[name="{scenario.name(key)}"]')
    kind = target.first.evaluate("e => e.tagName + ':' + (e.type || '')")
    if kind.startswith("SELECT"):
        target.select_option(value)
    elif kind.endswith(":checkbox"):
        target.first.check()
    else:
        target.fill(value)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))  # the viewport: what the user is looking at


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.action for s in SCENARIOS])
def test_a_step_form_with_one_wrong_field_comes_back_with_everything_typed(page, scenario):
    case = scenario.make()
    login(page, scenario.username)
    page.goto(f"{page.base_url}/cases/{case.pk}/")
    form = _form(page, scenario)
    for key, value in scenario.fields.items():
        _fill(form, scenario, key, value)
    for box in scenario.checks:
        boxes = form.locator(f'[name="{scenario.name(box)}"]')
        for i in range(min(boxes.count(), 2)):
            boxes.nth(i).check()
    page.evaluate(
        "window.scrollTo(0, 0)"
    )  # the user may have scrolled anywhere: the error is brought to them
    form.locator("button").last.click()
    page.wait_for_selector("form[data-jz-invalid][data-jz-shown]")
    form = _form(page, scenario)

    wrong = form.locator(f'[name="{scenario.name(scenario.wrong)}"]').first
    assert "is-invalid" in (wrong.get_attribute("class") or "")
    assert page.evaluate("document.activeElement && document.activeElement.name") == scenario.name(
        scenario.wrong
    )
    expect(wrong).to_be_in_viewport(ratio=1)  # scrolled to (smoothly, hence the waiting assertion)
    assert scenario.error in form.inner_text()
    _shot(page, f"step-form-{scenario.action}")

    for key, typed in scenario.fields.items():
        assert form.locator(f'[name="{scenario.name(key)}"]').first.input_value() == typed, key
    for name in scenario.checks:
        boxes = form.locator(f'[name="{scenario.name(name)}"]')
        assert all(boxes.nth(i).is_checked() for i in range(min(boxes.count(), 2))), name
    assert form.locator(".is-invalid").count() == 1  # only the wrong field (one box for a tick box)
    assert page.locator(".alert-danger").count() == 1  # the form's own, no banner elsewhere

    _fill(form, scenario, scenario.wrong, scenario.fix)
    with page.expect_navigation():
        form.locator("button").last.click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".is-invalid").count() == 0
    assert page.locator(".alert-success").count() == 1, page.inner_text("main")
    assert page.js_errors == []


def test_the_next_step_box_says_who_acts_when_it_is_not_the_viewer(page):
    from tests.helpers import to_investigated

    case = to_investigated()
    login(page, "ab_caseworker")
    page.goto(f"{page.base_url}/cases/{case.pk}/")
    lead = page.locator("[data-testid=next-lead]")
    assert "审批会议（受委托审批）" in lead.inner_text()
    assert "由 乡镇（街道）审批负责人 办理：安邦乡人民政府 刘宏伟" in lead.inner_text()
    page.locator("[data-testid=next-step]").scroll_into_view_if_needed()
    _shot(page, "next-step-not-the-viewer")
    assert page.js_errors == []
