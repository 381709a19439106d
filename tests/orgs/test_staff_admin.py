"""Staff accounts: the system administrator creates, deactivates and resets passwords; the security administrator
grants and ends roles (三员分立): a second role, ending a role, deactivation, password reset."""

import pytest
from django.test import Client

from jiuzhu.core.models import AuditEvent
from jiuzhu.orgs import services
from jiuzhu.orgs.demo import DEMO_PASSWORD
from jiuzhu.orgs.models import Membership, Organisation
from jiuzhu.orgs.roles import OrgKind, Role
from tests.helpers import ANBANG, ERMALU, QIJIANG, client_for, user

pytestmark = pytest.mark.django_db


def _org(code: str, kind: str) -> Organisation:
    return Organisation.objects.get(jurisdiction_id=code, kind=kind)


@pytest.fixture
def qj_admin():
    """An administrator of another county (綦江区)."""
    return services.staff_create(
        by=None,
        username="qj_admin",
        full_name="綦江管理员",
        password=DEMO_PASSWORD,
        organisation=_org(QIJIANG, OrgKind.BUREAU),
        role=Role.ADMIN,
        validate=False,
    )


def _post(c, target: str, action: str, **data):
    return c.post(f"/orgs/staff/{user(target).pk}/", {"action": action, **data})


def test_account_page_role_by_scope(qj_admin):
    target = user("ab_caseworker").pk
    assert client_for("js_admin").get(f"/orgs/staff/{target}/").status_code == 200
    assert client_for("js_bureau").get(f"/orgs/staff/{target}/").status_code == 200  # may read
    assert client_for("qj_admin").get(f"/orgs/staff/{target}/").status_code == 404
    page = client_for("js_admin").get("/orgs/staff/").content.decode()
    assert f"/orgs/staff/{target}/" in page


def test_second_membership(qj_admin):
    org = _org(ANBANG, OrgKind.TOWNSHIP)
    data = {"m-organisation": org.pk, "m-role": Role.VERIFIER}
    assert _post(client_for("js_bureau"), "ab_caseworker", "membership_add", **data).status_code == 403
    assert _post(client_for("qj_admin"), "ab_caseworker", "membership_add", **data).status_code == 404
    assert _post(client_for("js_admin"), "ab_caseworker", "membership_add", **data).status_code == 403
    r = _post(client_for("js_secadmin"), "ab_caseworker", "membership_add", **data)
    assert r.status_code == 302
    assert Membership.objects.filter(
        user__username="ab_caseworker", role=Role.VERIFIER, is_active=True
    ).exists()
    assert AuditEvent.objects.filter(action="staff.membership_add", object_repr__contains="核对专员").exists()

    # The same role twice, or a role the organisation cannot hold: the form comes back with the input.
    again = _post(client_for("js_secadmin"), "ab_caseworker", "membership_add", **data)
    assert again.status_code == 422 and "已在" in again.content.decode()
    wrong = _post(
        client_for("js_secadmin"),
        "ab_caseworker",
        "membership_add",
        **{"m-organisation": org.pk, "m-role": Role.FINANCE},
    )
    body = wrong.content.decode()
    assert wrong.status_code == 422 and "不能设在" in body and f'value="{org.pk}" selected' in body


def test_end_membership_and_take_it_up_again(qj_admin):
    m = Membership.objects.get(user__username="emr_assistant")
    data = {"e-membership": m.pk, "e-reason": "调离"}
    assert _post(client_for("js_bureau"), "emr_assistant", "membership_end", **data).status_code == 403
    assert _post(client_for("qj_admin"), "emr_assistant", "membership_end", **data).status_code == 404
    assert _post(client_for("js_admin"), "emr_assistant", "membership_end", **data).status_code == 403
    assert _post(client_for("js_secadmin"), "emr_assistant", "membership_end", **data).status_code == 302
    m.refresh_from_db()
    assert m.is_active is False
    event = AuditEvent.objects.get(action="staff.membership_end", object_id=str(m.pk))
    assert event.reason == "调离" and event.role == Role.SECURITY_ADMIN
    # Without an active role the account sees nothing any more.
    assert client_for("emr_assistant").get("/registry/households/").status_code == 403
    services.membership_add(by=user("js_secadmin"), user=m.user, organisation=m.organisation, role=m.role)
    m.refresh_from_db()
    assert m.is_active is True and Membership.objects.filter(user=m.user).count() == 1


def test_cannot_end_own_membership():
    m = Membership.objects.get(user__username="js_secadmin")
    r = _post(client_for("js_secadmin"), "js_secadmin", "membership_end", **{"e-membership": m.pk})
    assert r.status_code == 422 and "不能结束本人的岗位" in r.content.decode()


def test_deactivated_user_cannot_log_in_and_history_stays(qj_admin):
    logged_in = client_for("emr_caseworker")
    assert (
        _post(client_for("js_bureau"), "emr_caseworker", "deactivate", **{"d-reason": "x"}).status_code == 403
    )
    assert (
        _post(client_for("qj_admin"), "emr_caseworker", "deactivate", **{"d-reason": "x"}).status_code == 404
    )
    empty = _post(client_for("js_admin"), "emr_caseworker", "deactivate", **{"d-reason": ""})
    assert empty.status_code == 422 and user("emr_caseworker").is_active

    r = _post(client_for("js_admin"), "emr_caseworker", "deactivate", **{"d-reason": "离职"})
    assert r.status_code == 302
    target = user("emr_caseworker")
    assert target.is_active is False
    assert Membership.objects.filter(user=target, is_active=True).exists()  # roles kept for the record
    assert AuditEvent.objects.filter(
        action="staff.deactivate", object_id=str(target.pk), reason="离职"
    ).exists()

    login = Client().post("/accounts/login/", {"username": "emr_caseworker", "password": DEMO_PASSWORD})
    assert login.status_code == 200  # the login form again, no session
    assert logged_in.get("/").status_code == 302  # an open session ends too

    page = client_for("js_admin").get(f"/orgs/staff/{target.pk}/").content.decode()
    assert "已停用" in page and "离职" in page

    assert _post(client_for("js_admin"), "emr_caseworker", "reactivate").status_code == 302
    assert user("emr_caseworker").is_active
    login = Client().post("/accounts/login/", {"username": "emr_caseworker", "password": DEMO_PASSWORD})
    assert login.status_code == 302
    assert AuditEvent.objects.filter(action="staff.reactivate").exists()


def test_cannot_deactivate_self_or_someone_with_roles_elsewhere(qj_admin):
    r = _post(client_for("js_admin"), "js_admin", "deactivate", **{"d-reason": "x"})
    assert r.status_code == 422 and user("js_admin").is_active
    # ab_verifier also works for 綦江: 尖山区's administrator may not lock them out.
    services.membership_add(
        by=None, user=user("ab_verifier"), organisation=_org(QIJIANG, OrgKind.BUREAU), role=Role.VERIFIER
    )
    r = _post(client_for("js_admin"), "ab_verifier", "deactivate", **{"d-reason": "x"})
    assert r.status_code == 403 and user("ab_verifier").is_active


def test_password_reset():
    old = user("ab_assistant").password
    assert _post(client_for("js_bureau"), "ab_assistant", "password_reset").status_code == 403
    r = _post(client_for("js_admin"), "ab_assistant", "password_reset", **{"p-reason": "遗忘密码"})
    assert r.status_code == 200
    raw = r.content.decode().split('data-testid="temporary-password">')[1].split("<")[0]
    target = user("ab_assistant")
    assert target.password != old and target.check_password(raw) and len(raw) >= 12
    event = AuditEvent.objects.get(action="staff.password_reset", object_id=str(target.pk))
    assert raw not in str(event.after) and raw not in str(event.before) and event.reason == "遗忘密码"
    assert Client().post("/accounts/login/", {"username": "ab_assistant", "password": raw}).status_code == 302


# --- API ---------------------------------------------------------------------------------------------


def test_api_role_by_scope(qj_admin):
    target = user("emr_approver").pk
    org = _org(ERMALU, OrgKind.TOWNSHIP)
    add = {"organisation_id": org.pk, "role": Role.VERIFIER}
    url = f"/api/v1/staff/accounts/{target}"
    assert client_for("js_bureau").get(url).status_code == 200
    assert client_for("qj_admin").get(url).status_code == 404
    for name, status in (("js_bureau", 403), ("qj_admin", 404)):
        c = client_for(name)
        assert c.post(f"{url}/memberships", add, content_type="application/json").status_code == status
        assert (
            c.post(f"{url}/deactivate", {"reason": "x"}, content_type="application/json").status_code
            == status
        )
        assert c.post(f"{url}/password-reset", {}, content_type="application/json").status_code == status

    c = client_for("js_admin")
    assert c.post(f"{url}/memberships", add, content_type="application/json").status_code == 403
    sec = client_for("js_secadmin")
    r = sec.post(f"{url}/memberships", add, content_type="application/json")
    assert r.status_code == 201 and {m["role"] for m in r.json()["memberships"]} == {
        Role.TOWNSHIP_APPROVER,
        Role.VERIFIER,
    }
    wrong = sec.post(
        f"{url}/memberships",
        {"organisation_id": org.pk, "role": Role.FINANCE},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and "不能设在" in wrong.json()["message"]
    verifier = next(m for m in r.json()["memberships"] if m["role"] == Role.VERIFIER)
    ended = sec.post(
        f"/api/v1/staff/memberships/{verifier['id']}/end",
        {"reason": "兼职结束"},
        content_type="application/json",
    )
    assert ended.status_code == 200
    assert not next(m for m in ended.json()["memberships"] if m["id"] == verifier["id"])["is_active"]

    r = c.post(f"{url}/deactivate", {"reason": "离职"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert c.post(f"{url}/deactivate", {"reason": "离职"}, content_type="application/json").status_code == 400
    assert c.post(f"{url}/reactivate", {}, content_type="application/json").json()["is_active"] is True
    r = c.post(f"{url}/password-reset", {"reason": "遗忘"}, content_type="application/json")
    assert r.status_code == 200 and user("emr_approver").check_password(r.json()["temporary_password"])
    actions = set(
        AuditEvent.objects.filter(action__startswith="staff.", at__isnull=False).values_list(
            "action", flat=True
        )
    )
    assert {
        "staff.membership_add",
        "staff.membership_end",
        "staff.deactivate",
        "staff.reactivate",
        "staff.password_reset",
    } <= actions


def test_api_list_is_scoped(qj_admin):
    names = {
        a["username"]
        for a in client_for("js_admin").get("/api/v1/staff/accounts?page_size=500").json()["items"]
    }
    assert "ab_caseworker" in names and "qj_bureau" not in names
    names = {
        a["username"]
        for a in client_for("qj_admin").get("/api/v1/staff/accounts?page_size=500").json()["items"]
    }
    assert "qj_bureau" in names and "ab_caseworker" not in names
