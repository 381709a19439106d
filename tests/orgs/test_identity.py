"""PI2 (等保 身份鉴别): two-factor login with TOTP and recovery codes, mandatory by role; the password policy and
forced changes; deactivation ends sessions and tokens for good; wrong API tokens are limited like passwords."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from jiuzhu.core import clock
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.core.services import param_set
from jiuzhu.orgs import mfa, services
from jiuzhu.orgs.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from jiuzhu.orgs.models import ApiToken, Organisation, SecondFactor
from jiuzhu.orgs.roles import OrgKind, Role
from tests.helpers import JIANSHAN, client_for, user

pytestmark = pytest.mark.django_db

STRONG = "Qiu-Shui-2026x"


def _password_step(username: str, password: str = DEMO_PASSWORD, c: Client | None = None):
    c = c or Client()
    return c, c.post("/accounts/login/", {"username": username, "password": password})


def _next_step() -> None:
    clock.advance(timedelta(seconds=mfa.STEP))  # a new 30-second code


def test_mandatory_role_logs_in_with_password_and_code_and_a_code_works_once():
    c, r = _password_step("js_finance")
    assert r.status_code == 302 and r["Location"] == "/accounts/login/verify/"
    assert c.get("/").status_code == 302  # the password alone logs nobody in
    wrong = c.post("/accounts/login/verify/", {"code": "000000"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    code = mfa.current_code(DEMO_TOTP_SECRET)
    ok = c.post("/accounts/login/verify/", {"code": code})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert c.get("/").status_code == 200
    event = AuditEvent.objects.filter(action="auth.login", actor__username="js_finance").latest("id")
    assert event.after == {"second_factor": True}
    # The same code cannot be used again (someone who saw it over the shoulder).
    other, _ = _password_step("js_finance")
    assert "验证码不正确" in other.post("/accounts/login/verify/", {"code": code}).content.decode()
    _next_step()
    assert (
        other.post("/accounts/login/verify/", {"code": mfa.current_code(DEMO_TOTP_SECRET)}).status_code == 302
    )


def test_too_many_wrong_codes_restart_and_count_as_failed_logins():
    c, _ = _password_step("js_inspector")
    for _ in range(4):
        assert "验证码不正确" in c.post("/accounts/login/verify/", {"code": "123456"}).content.decode()
    r = c.post("/accounts/login/verify/", {"code": "123456"})
    assert r.status_code in (302, 403, 429)  # back to the login, or the lockout page
    assert c.get("/accounts/login/verify/").status_code == 302  # the pending login is gone
    locked = Client().post("/accounts/login/", {"username": "js_inspector", "password": DEMO_PASSWORD})
    assert locked.status_code in (403, 429)  # five wrong codes locked the account like wrong passwords


def test_enrolment_at_first_login_for_a_mandatory_role_with_recovery_codes():
    services.staff_create(
        by=None,
        username="js_finance2",
        full_name="孙财务",
        password=STRONG,
        organisation=Organisation.objects.get(jurisdiction_id=JIANSHAN, kind=OrgKind.BUREAU),
        role=Role.FINANCE,
    )
    c, r = _password_step("js_finance2", STRONG)
    assert r["Location"] == "/accounts/login/enrol/"
    page = c.get("/accounts/login/enrol/").content.decode()
    assert "<svg" in page and "otpauth" not in page  # the QR code is inline, the URI not in the page text
    secret = re.search(r'data-testid="mfa-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    bad = c.post("/accounts/login/enrol/", {"code": "111111"})
    assert (
        "验证码不正确" in bad.content.decode()
        and not SecondFactor.objects.filter(user__username="js_finance2").exists()
    )
    done = c.post("/accounts/login/enrol/", {"code": mfa.current_code(secret)})
    codes = re.findall(r"<li class=\"col\">([A-Z0-9-]{14})</li>", done.content.decode())
    assert done.status_code == 200 and len(codes) == 10
    assert c.get("/").status_code == 200  # logged in
    stored = SecondFactor.objects.get(user__username="js_finance2")
    assert secret not in stored.secret_cipher and AuditEvent.objects.filter(action="mfa.enrol").exists()

    # A recovery code replaces a lost phone once.
    c2, _ = _password_step("js_finance2", STRONG)
    assert c2.post("/accounts/login/verify/", {"code": codes[0].lower()}).status_code == 302
    assert AuditEvent.objects.filter(action="mfa.recovery_used", after__remaining=9).exists()
    c3, _ = _password_step("js_finance2", STRONG)
    assert "验证码不正确" in c3.post("/accounts/login/verify/", {"code": codes[0]}).content.decode()


def test_optional_roles_log_in_with_the_password_and_may_enrol_and_switch_off():
    c, r = _password_step("ab_caseworker")
    assert r["Location"] == "/"
    assert not mfa.is_mandatory(user("ab_caseworker"))
    c = client_for("ab_caseworker")
    page = c.get("/account/mfa/").content.decode()
    secret = re.search(r'data-testid="mfa-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    r = c.post("/account/mfa/", {"action": "enrol", "code": mfa.current_code(secret)})
    assert r.status_code == 200 and "请保存恢复码" in r.content.decode()
    _next_step()
    _, step = _password_step("ab_caseworker")
    assert step["Location"] == "/accounts/login/verify/"  # from now on with a code
    assert c.post("/account/mfa/", {"action": "disable"}).status_code == 302
    assert not mfa.is_enrolled(user("ab_caseworker"))
    # A mandatory role may not switch it off.
    assert client_for("js_finance").post("/account/mfa/", {"action": "disable"}).status_code == 302
    assert mfa.is_enrolled(user("js_finance"))


def test_the_mandatory_roles_are_a_policy_parameter():
    assert not mfa.is_mandatory(user("ab_caseworker"))
    param_set(
        by=user("js_admin"),
        key="security.mfa_roles",
        scope_code=JIANSHAN,
        effective_from=clock.today(),
        value="township_approver,township_caseworker,finance,admin,security_admin,audit_admin",
        reason="县局要求经办人员也使用动态口令",
    )
    assert mfa.is_mandatory(user("ab_caseworker"))
    _, r = _password_step("ab_caseworker")
    assert r["Location"] == "/accounts/login/enrol/"
    page = client_for("js_admin").get("/settings/params/security.mfa_roles/?area=" + JIANSHAN)
    assert "乡镇（街道）经办人员" in page.content.decode()


def test_security_administrator_resets_a_lost_second_factor_audited():
    lost = client_for("js_finance")
    target = user("js_finance")
    url = f"/orgs/staff/{target.pk}/"
    data = {"action": "mfa_reset", "f-reason": "手机丢失，已电话核实"}
    assert client_for("js_admin").post(url, data).status_code == 403  # not the system administrator's
    assert client_for("js_bureau").post(url, data).status_code == 403
    r = client_for("js_secadmin").post(url, data)
    assert r.status_code == 302
    assert not SecondFactor.objects.filter(user=target).exists()
    event = AuditEvent.objects.get(action="staff.mfa_reset", object_id=str(target.pk))
    assert event.actor.username == "js_secadmin" and event.reason == "手机丢失，已电话核实"
    assert lost.get("/").status_code == 302  # the open session ended
    _, step = _password_step("js_finance")
    assert step["Location"] == "/accounts/login/enrol/"
    own = client_for("js_secadmin").post(f"/orgs/staff/{user('js_secadmin').pk}/", data)
    assert own.status_code == 422  # the page offers no such button for oneself; the service refuses
    with pytest.raises(ValidationFailed, match="不能重置本人"):
        services.staff_mfa_reset(by=user("js_secadmin"), user=user("js_secadmin"), reason="x")


# --- passwords -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("abv12345", "至少"),  # the issue's example: too short, two classes
        ("abcdefghij12", "至少 3 类"),
        ("ABCDEFGHIJ12", "至少 3 类"),
        ("Password123", "常见"),
    ],
)
def test_weak_passwords_are_refused(password, message):
    with pytest.raises(ValidationError) as exc:
        validate_password(password, user("ab_assistant"))
    assert message in " ".join(exc.value.messages)


def test_good_password_and_no_reuse_of_the_last_five():
    c = client_for("emr_assistant")
    target = user("emr_assistant")
    validate_password(STRONG, target)
    used = [f"Lu-{n}-Shan-2026" for n in range(6)]
    current = DEMO_PASSWORD
    for new in used:
        r = c.post(
            "/accounts/password/", {"old_password": current, "new_password1": new, "new_password2": new}
        )
        assert r.status_code == 302, r.content.decode()[:2000]
        current = new
        c = client_for("emr_assistant")
    for again in used[1:]:  # the last five (the current one included)
        r = c.post(
            "/accounts/password/", {"old_password": current, "new_password1": again, "new_password2": again}
        )
        assert r.status_code == 200 and (
            "最近 5 次" in r.content.decode() or "当前密码相同" in r.content.decode()
        )
    r = c.post(
        "/accounts/password/", {"old_password": current, "new_password1": used[0], "new_password2": used[0]}
    )
    assert r.status_code == 302  # the sixth one back may be used again


def test_temporary_password_is_changed_at_first_login():
    temporary = services.staff_password_reset(by=user("js_admin"), user=user("ab_assistant"), reason="遗忘")
    c, r = _password_step("ab_assistant", temporary)
    assert r.status_code == 302 and r["Location"] == "/accounts/password/"
    for path in ("/", "/registry/households/", "/account/"):
        assert c.get(path)["Location"] == "/accounts/password/", path
    api = c.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"
    with_header = c.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer jz_not-a-token")  # no way round it
    assert with_header.status_code == 403 and with_header.json()["code"] == "password_change_required"
    page = c.get("/accounts/password/").content.decode()
    assert "临时密码" in page
    r = c.post(
        "/accounts/password/", {"old_password": temporary, "new_password1": STRONG, "new_password2": STRONG}
    )
    assert r.status_code == 302 and c.get("/").status_code == 200
    assert not user("ab_assistant").must_change_password


def test_staff_created_by_the_administrator_get_a_temporary_password():
    created = services.staff_create(
        by=user("js_admin"),
        username="ab_new",
        full_name="新经办",
        password=STRONG,
        organisation=Organisation.objects.get(jurisdiction_id="230502200000", kind=OrgKind.TOWNSHIP),
        role=Role.TOWNSHIP_CASEWORKER,
    )
    assert created.must_change_password


def test_password_expires_after_the_parameter(settings):
    c = client_for("ab_caseworker")
    assert c.get("/").status_code == 200
    clock.advance(timedelta(days=91))
    r = c.get("/")
    assert r.status_code == 302 and r["Location"] == "/accounts/password/"
    assert "超过 90 天" in c.get("/accounts/password/").content.decode()
    param_set(
        by=user("js_admin"),
        key="security.password_max_age_days",
        scope_code=JIANSHAN,
        effective_from=clock.today(),
        value=180,
        reason="县局规定",
    )
    assert c.get("/").status_code == 200


# --- sessions and tokens -----------------------------------------------------------------------------------


def test_deactivated_then_reactivated_account_gets_no_old_session_or_token_back():
    from jiuzhu.orgs.services import token_issue

    target = user("emr_caseworker")
    issued = token_issue(user=target, name="对接", scopes=["read"])
    session = client_for("emr_caseworker")
    api = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issued.raw}"}
    assert api.get("/api/v1/me", **auth).status_code == 200
    services.staff_deactivate(by=user("js_admin"), user=target, reason="调离")
    services.staff_reactivate(by=user("js_admin"), user=user("emr_caseworker"), reason="调回")
    assert session.get("/").status_code == 302  # the old session stays ended
    assert api.get("/api/v1/me", **auth).status_code == 401  # the old token stays revoked
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None
    event = AuditEvent.objects.get(action="staff.deactivate", object_id=str(target.pk))
    assert event.after["tokens_revoked"] == 1
    assert (
        Client().post("/accounts/login/", {"username": "emr_caseworker", "password": DEMO_PASSWORD})[
            "Location"
        ]
        == "/"
    )  # a new login works


def test_invalid_api_tokens_are_limited_like_passwords(settings):
    from jiuzhu.orgs.services import token_issue

    good = token_issue(user=user("js_bureau"), name="对接", scopes=["read"]).raw
    api = Client(REMOTE_ADDR="10.1.2.3")
    for n in range(settings.AXES_FAILURE_LIMIT):
        assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer jz_guess{n}").status_code == 401
    refused = api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {good}")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    other = Client(REMOTE_ADDR="10.9.9.9").get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {good}")
    assert other.status_code == 200
    clock.advance(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 200
