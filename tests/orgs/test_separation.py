"""三员分立 (等保 level 3, PI3): the system administrator (accounts, settings), the security administrator (roles,
second factors, keys) and the audit administrator (the audit trail and its checks) each refuse the others'
actions; none holds a business role; nobody grants a role to themselves."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from jiuzhu.core.errors import ValidationFailed
from jiuzhu.orgs import passwords, services
from jiuzhu.orgs.models import Membership, Organisation
from jiuzhu.orgs.roles import ADMIN_ROLES, OrgKind, Role, perms_of
from tests.helpers import ANBANG, JIANSHAN, client_for, user

pytestmark = pytest.mark.django_db

SYSTEM, SECURITY, AUDIT = "js_admin", "js_secadmin", "js_auditadmin"
THREE = (SYSTEM, SECURITY, AUDIT)


def _bureau() -> Organisation:
    return Organisation.objects.get(jurisdiction_id=JIANSHAN, kind=OrgKind.BUREAU)


def _township() -> Organisation:
    return Organisation.objects.get(jurisdiction_id=ANBANG, kind=OrgKind.TOWNSHIP)


def _staff_post(username: str, target: str, action: str, **data):
    return client_for(username).post(f"/orgs/staff/{user(target).pk}/", {"action": action, **data})


def _actions(target: str) -> dict[str, dict]:
    m = Membership.objects.filter(user__username=target, is_active=True).first()
    return {
        "grant role": {"action": "membership_add", "m-organisation": _township().pk, "m-role": Role.VERIFIER},
        "end role": {"action": "membership_end", "e-membership": m.pk, "e-reason": "x"},
        "reset second factor": {"action": "mfa_reset", "f-reason": "手机丢失"},
        "reset password": {"action": "password_reset", "p-reason": "遗忘"},
        "deactivate": {"action": "deactivate", "d-reason": "离职"},
    }


OWNER = {
    "grant role": SECURITY,
    "end role": SECURITY,
    "reset second factor": SECURITY,
    "reset password": SYSTEM,
    "deactivate": SYSTEM,
}


@pytest.mark.parametrize("actor", THREE)
@pytest.mark.parametrize("action", list(OWNER))
def test_each_account_action_belongs_to_one_administrator(actor, action):
    target = "ab_caseworker"
    data = _actions(target)[action]
    status = _staff_post(actor, target, data.pop("action"), **data).status_code
    if actor == OWNER[action]:
        assert status in (200, 302), (actor, action)
    else:
        assert status == 403, (actor, action)


@pytest.mark.parametrize("username", THREE)
def test_pages_of_each_administrator(username):
    c = client_for(username)
    expect = {
        "/settings/audit/": 200 if username == AUDIT else 403,
        "/orgs/security/keys/": 200 if username == SECURITY else 403,
        "/integrations/webhooks/": 200 if username == SYSTEM else 403,
    }
    for url, status in expect.items():
        assert c.get(url).status_code == status, (username, url)
    verify = c.post("/settings/audit/verify/")
    assert verify.status_code == (200 if username == AUDIT else 403)
    staff_form = c.post(
        "/orgs/staff/",
        {
            "username": f"new_{username}",
            "full_name": "新人",
            "organisation": _township().pk,
            "role": Role.TOWNSHIP_CASEWORKER,
            "password": "Qiu-Shui-2026x",
        },
    )
    assert staff_form.status_code == (302 if username == SYSTEM else 403)
    param = c.post(
        f"/settings/params/notice.days/?area={JIANSHAN}",
        {"effective_from": "2026-12-01", "value": "7", "reason": "x"},
    )
    assert param.status_code == (302 if username == SYSTEM else 403)


def test_no_administrator_holds_a_business_role_and_no_business_account_an_administrator_role():
    for role in ADMIN_ROLES:
        assert not (
            {"case_process", "case_decide_township", "case_decide_bureau", "payroll_run", "pii_reveal"}
            & perms_of(role)
        ), role
    with pytest.raises(ValidationFailed, match="不能再兼任"):
        services.membership_add(
            by=user(SECURITY), user=user(SYSTEM), organisation=_township(), role=Role.VERIFIER
        )
    with pytest.raises(ValidationFailed, match="须由专人担任"):
        services.membership_add(
            by=user(SECURITY), user=user("js_bureau"), organisation=_bureau(), role=Role.ADMIN
        )
    with pytest.raises(ValidationFailed, match="须由专人担任"):
        services.membership_add(by=user(SECURITY), user=user(AUDIT), organisation=_bureau(), role=Role.ADMIN)


def test_nobody_grants_a_role_to_themselves():
    r = _staff_post(
        SECURITY, SECURITY, "membership_add", **{"m-organisation": _bureau().pk, "m-role": Role.ADMIN}
    )
    assert r.status_code in (403, 422)
    with pytest.raises(ValidationFailed, match="不能为本人授予岗位"):
        services.membership_add(
            by=user(SECURITY), user=user(SECURITY), organisation=_bureau(), role=Role.AUDIT_ADMIN
        )
    assert set(
        Membership.objects.filter(user__username=SECURITY, is_active=True).values_list("role", flat=True)
    ) == {Role.SECURITY_ADMIN}


def test_an_account_created_by_the_system_administrator_waits_for_the_security_administrator():
    created = services.staff_create(
        by=user(SYSTEM),
        username="ab_new",
        full_name="新经办",
        password="Qiu-Shui-2026x",
        organisation=_township(),
        role=Role.TOWNSHIP_CASEWORKER,
    )
    pending = Membership.objects.get(user=created)
    assert pending.is_active is False  # the system administrator cannot give a role
    assert created.must_change_password
    passwords.set_password(created, "Own-Pass-2026y", temporary=False)  # as at the first login
    assert client_for("ab_new").get("/registry/households/").status_code == 403
    page = client_for(SECURITY).get(f"/orgs/staff/{created.pk}/").content.decode()
    assert f'data-testid="grant-{pending.pk}"' in page
    r = _staff_post(
        SECURITY, "ab_new", "membership_add", **{"m-organisation": _township().pk, "m-role": pending.role}
    )
    assert r.status_code == 302
    pending.refresh_from_db()
    assert pending.is_active and Membership.objects.filter(user=created).count() == 1
    assert client_for("ab_new").get("/registry/households/").status_code == 200


def test_the_demo_shows_the_three():
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for label in ("系统管理员", "安全管理员", "安全审计员"):
        assert label in text
    for username in THREE:
        assert {m.role for m in Membership.objects.filter(user__username=username)} <= ADMIN_ROLES


BUSINESS_PAGES = [
    "households",
    "cases",
    "queue",
    "deadlines",
    "enrolments",
    "payroll",
    "ledger",
    "sup_dashboard",
    "sup_alerts",
    "boards",
    "rollout",
    "jurisdictions",
    "params",
    "calendar",
]
BUSINESS_API = ["/api/v1/households", "/api/v1/cases", "/api/v1/events", "/api/v1/jurisdictions"]


@pytest.mark.parametrize("username", [SECURITY, AUDIT])
def test_the_security_and_audit_administrators_see_no_business_data(username):
    from django.urls import reverse

    c = client_for(username)
    for name in BUSINESS_PAGES:
        assert c.get(reverse(name)).status_code in (403, 404), (username, name)
    for url in BUSINESS_API:
        assert c.get(url).status_code in (403, 404), (username, url)
    menu = c.get("/").content.decode()
    assert "家庭登记" not in menu and "救助申请" not in menu
