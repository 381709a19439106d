"""PI2/PI3 in the browser: a role that decides or pays logs in with a 6-digit code; a new account of such a role
binds an authenticator at its first login (after changing its temporary password); the security
administrator's key page."""

from __future__ import annotations

import re
from datetime import timedelta

from jiuzhu.core import clock
from jiuzhu.orgs import mfa
from jiuzhu.orgs.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.browser.conftest import login, shot


def test_finance_logs_in_with_password_then_code(page):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", "js_finance")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/verify/" in page.url
    page.fill("#id_code", "000000")
    page.click("button[type=submit]")
    assert page.locator('[data-testid="login-error"]').is_visible()
    shot(page, "login-verify-wrong-code")
    clock.advance(timedelta(seconds=mfa.STEP))
    page.fill("#id_code", mfa.current_code(DEMO_TOTP_SECRET))
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.rstrip("/") == page.base_url.rstrip("/")
    assert page.locator('[data-testid="landing-finance"]').is_visible()
    assert page.js_errors == []


def test_new_mandatory_account_changes_its_password_and_binds_an_authenticator(page):
    from jiuzhu.orgs import services
    from jiuzhu.orgs.models import Organisation, User
    from jiuzhu.orgs.roles import OrgKind, Role

    services.staff_create(
        by=None,
        username="js_newfinance",
        full_name="孙会计",
        password="Temp-Pass-2026x",
        organisation=Organisation.objects.get(jurisdiction_id="230502000000", kind=OrgKind.BUREAU),
        role=Role.FINANCE,
    )
    User.objects.filter(username="js_newfinance").update(must_change_password=True)
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", "js_newfinance")
    page.fill("#id_password", "Temp-Pass-2026x")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/enrol/" in page.url
    assert page.locator('[data-testid="mfa-qr"] svg').is_visible()
    shot(page, "login-enrol-authenticator")
    secret = page.locator('[data-testid="mfa-secret"]').inner_text().replace(" ", "")
    page.fill("#id_code", mfa.current_code(secret))
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    codes = page.locator('[data-testid="recovery-codes"] li').all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", c) for c in codes)
    shot(page, "login-recovery-codes")
    page.click("text=我已保存，继续")
    page.wait_for_load_state("networkidle")
    assert "/accounts/password/" in page.url
    assert page.locator('[data-testid="password-change-reason"]').is_visible()
    page.fill("#id_old_password", "Temp-Pass-2026x")
    page.fill("#id_new_password1", "abv12345")
    page.fill("#id_new_password2", "abv12345")
    page.get_by_role("button", name="保存新密码").click()
    page.wait_for_load_state("networkidle")
    assert "至少" in page.content()  # refused: too short, too few kinds of characters
    shot(page, "password-change-refused")
    page.fill("#id_old_password", "Temp-Pass-2026x")
    page.fill("#id_new_password1", "Qiu-Shui-2026x")
    page.fill("#id_new_password2", "Qiu-Shui-2026x")
    page.get_by_role("button", name="保存新密码").click()
    page.wait_for_load_state("networkidle")
    page.goto(page.base_url + "/")
    assert page.locator('[data-testid="landing-finance"]').is_visible()
    assert page.js_errors == []


def test_security_administrator_sees_keys_and_resets_a_second_factor(page):
    from jiuzhu.orgs.models import SecondFactor, User

    login(page, "js_secadmin")
    page.goto(page.base_url + "/orgs/security/keys/")
    assert "AES-256-GCM" in page.locator('[data-testid="suite"]').inner_text()
    shot(page, "security-key-status")
    target = User.objects.get(username="js_finance")
    page.goto(page.base_url + f"/orgs/staff/{target.pk}/")
    assert page.locator('[data-testid="account-mfa"]').inner_text() == "已绑定"
    page.fill("#id_f-reason", "手机丢失，已电话核实")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=重置动态口令 >> nth=-1")
    page.wait_for_load_state("networkidle")
    assert page.locator('[data-testid="account-mfa"]').inner_text() == "未绑定"
    assert not SecondFactor.objects.filter(user=target).exists()
    shot(page, "security-mfa-reset")
    assert page.js_errors == []
