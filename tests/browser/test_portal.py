"""Issue 8 acceptance, on a phone (390×844): apply online with a photo, receive an application number, query
the status with it; the portal's pages fit the screen without sideways scrolling."""

from __future__ import annotations

import base64

import pytest

from tests.browser.conftest import shot
from tests.helpers import new_id


def last_code(phone: str) -> str:
    """The code the portal just sent to `phone` (the live server runs in this process: the test outbox)."""
    import re

    from jiuzhu.portal import phone as codes

    sent = [text for to, text in codes.outbox if to == phone]
    return re.search(r"验证码 (\d{6})", sent[-1]).group(1)


PHONE = {"width": 390, "height": 844}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture
def phone(browser, transactional_world, live_server):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    context.set_default_timeout(15000)
    pg = context.new_page()
    pg.base_url = live_server.url  # type: ignore[attr-defined]
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.js_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def test_apply_on_a_phone_get_a_number_and_query_the_status(phone, tmp_path):
    page = phone
    page.goto(page.base_url + "/portal/")
    fits(page)
    shot(page, "portal-1-home-phone")
    page.click("[data-testid=tile-apply]")
    page.get_by_role("link", name="尖山区").click()
    page.wait_for_selector("[data-testid=apply-form]")
    head_id, spouse_id = new_id(birth="19700812"), new_id(birth="19720301", female=True)
    page.select_option("#id_assistance_type", "dibao_rural")
    page.fill("#id_reason", "丈夫患尿毒症长期透析，家中无其他收入")
    page.select_option("#id_area_code", "230502200201")
    page.fill("#id_address", "安邦村4组12号")
    page.fill("#id_phone", "13904691234")
    page.fill("#id_head_name", "邵国强")
    page.fill("#id_head_id_number", head_id)
    page.click("[data-testid=add-member]")
    page.fill("#id_m-0-name", "邵玉芬")
    page.fill("#id_m-0-id_number", spouse_id)
    page.select_option("#id_m-0-relation", "spouse")
    # Each adult confirms the authorisation and the commitment with a code sent to their own phone (A3).
    page.click("[data-testid=send-code-head]")
    page.wait_for_selector("text=验证码已发送至 139****1234")
    page.fill("#id_head_code", last_code("13904691234"))
    page.fill("#id_m-0-phone", "13704695678")
    page.get_by_role("button", name="获取验证码", exact=True).click()
    page.wait_for_selector("text=验证码已发送至 137****5678")
    page.fill("#id_m-0-code", last_code("13704695678"))
    page.check("#id_m-0-consent")
    page.click("[data-testid=add-income]")
    page.fill("#id_inc-0-owner", "邵国强")
    page.select_option("#id_inc-0-category", "wage")
    page.fill("#id_inc-0-description", "零工")
    page.fill("#id_inc-0-monthly_amount", "600")
    page.click("[data-testid=add-asset]")
    page.select_option("#id_ast-0-kind", "housing")
    page.fill("#id_ast-0-description", "自建平房")
    photo = tmp_path / "hukou.png"
    photo.write_bytes(PNG)
    page.set_input_files("#id_item_medical_proof", str(photo))
    page.check("#id_consent_verification")
    page.check("#id_consent_commitment")
    fits(page)
    shot(page, "portal-2-apply-phone")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=application-number]")
    number = page.inner_text("[data-testid=application-number]").strip()
    assert number.startswith("230502-2026-")
    fits(page)
    shot(page, "portal-3-number-phone")

    page.click("[data-testid=go-query]")
    page.wait_for_selector("[data-testid=query-form]")
    assert page.input_value("#id_number") == number
    page.fill("#id_id_number", spouse_id)
    page.click("[data-testid=query-submit]")
    page.wait_for_selector("[data-testid=case-status]")
    assert page.inner_text("[data-testid=case-status]") == "待受理"
    assert page.inner_text("[data-testid=case-number]") == number
    assert "邵**" in page.content() and "邵国强" not in page.content()
    fits(page)
    shot(page, "portal-4-status-phone")

    for name, path in (
        ("policies", "/portal/policies/"),
        ("materials", "/portal/policies/dibao_rural/?county=230502000000"),
        ("complaint", "/portal/complaint/"),
    ):
        page.goto(page.base_url + path)
        fits(page)
        shot(page, f"portal-5-{name}-phone")
    assert not page.js_errors, page.js_errors


def test_a_wrong_pair_on_a_phone_shows_one_message(phone):
    page = phone
    page.goto(page.base_url + "/portal/status/")
    page.fill("#id_number", "230502-2026-000999")
    page.fill("#id_id_number", new_id())
    page.click("[data-testid=query-submit]")
    page.wait_for_selector("[data-testid=form-error]")
    assert "未查询到相符的申请" in page.inner_text("[data-testid=form-error]")
    fits(page)
