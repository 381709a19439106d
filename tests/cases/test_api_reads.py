"""Reads through the API: the case's full record, its timeline and the P8 exception list, and the
action endpoints by role — in scope 200, another township 404, in scope without the permission 403."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import EmergencyAid
from jiuzhu.cases.services import steps
from jiuzhu.cases.states import State
from jiuzhu.core import clock
from jiuzhu.core.models import AuditEvent
from tests.helpers import (
    ANBANG,
    DATONG,
    DONGXI,
    accept,
    client_for,
    d,
    investigate,
    make_case,
    make_household,
    meeting,
    review,
    to_investigated,
    user,
    verify,
)

pytestmark = pytest.mark.django_db

MEETING = {
    "held_on": "2026-11-12",
    "attendees": [{"name": "刘宏伟", "title": "副乡长"}, {"name": "王春燕", "title": "经办"}],
    "minutes": "经研究同意纳入",
    "outcome": "approve",
}
FINDINGS = "未发现存款、车辆和工商登记"  # the verification's findings (tests.helpers.verify)


def post(c: Client, url: str, payload: dict):
    return c.post(f"/api/v1{url}", payload, content_type="application/json")


def former_staff() -> Client:
    """In 安邦乡 but without any active post: holds no permission there (not even 查看辖区业务数据)."""
    from jiuzhu.orgs.models import Membership, Organisation, User
    from jiuzhu.orgs.roles import OrgKind, Role

    former = User.objects.create_user(username="ab_former", full_name="调离人员")
    Membership.objects.create(
        user=former,
        organisation=Organisation.objects.get(jurisdiction_id=ANBANG, kind=OrgKind.TOWNSHIP),
        role=Role.TOWNSHIP_CASEWORKER,
        is_active=False,
        created_at=clock.now(),
    )
    c = Client()
    c.force_login(former)
    return c


def qijiang_case(township: str):
    household = make_household(by="qj_bureau", area=township[:9] + "201", address="綦江测试户")
    return make_case(household, by="qj_bureau")


def emergency_case():
    return make_case(
        make_household(),
        assistance_type="linshi_emergency",
        requested_amount="2000",
        applied_on=d("2026-11-02"),
    )


# --- GET /cases/{id}: the whole record ----------------------------------------------------------------


def test_case_record_has_route_deadline_and_every_step_but_not_the_verification():
    case = to_investigated()
    steps.decide(by=user("ab_approver"), case=case, data=meeting())
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-12"), places="安邦村公示栏")
    steps.register_objection(
        by=user("ab_caseworker"),
        case=case,
        received_on=d("2026-11-13"),
        content="家中有车",
        raised_by="李四海",
        contact="13912345678",
    )
    steps.resolve_objection(
        by=user("ab_caseworker"),
        case=case,
        handled_on=d("2026-11-14"),
        outcome="unfounded",
        handling="车辆已报废",
    )
    steps.finalize(by=user("ab_approver"), case=case, on=d("2026-11-20"))
    views_before = AuditEvent.objects.filter(action="verification.view").count()

    r = client_for("ab_caseworker").get(f"/api/v1/cases/{case.pk}")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == State.APPROVED and body["status_label"] == "已批准"
    assert body["route"]["decider"] == "township" and body["route"]["delegated"] is True
    assert body["route"]["label"] and body["route"]["reason"]
    deadline = body["deadline"]
    assert deadline["accepted_on"] == "2026-11-03" and deadline["stopped_on"] == "2026-11-12"
    assert deadline["used"] + deadline["left"] == deadline["limit"] and deadline["provisional"] is False
    assert body["acceptance"] == {"accepted_on": "2026-11-03", "by_name": "王春燕"}
    (inv,) = body["investigations"]
    assert inv["visited_on"] == "2026-11-09" and len(inv["investigators"]) == 2
    assert inv["investigators_signed"] and inv["applicant_signed"] and inv["conclusion"] == "情况属实"
    (m,) = body["meetings"]
    assert m["level"] == "township_decision" and m["outcome_label"] == "同意"
    assert m["amount"] == "1040.00" and m["covered_members"] == 2 and "低保标准" in m["basis"]
    assert m["signed_by_name"] == "刘宏伟" and m["attendees"][0] == {"name": "刘宏伟", "title": "副乡长"}
    (notice,) = body["public_notices"]
    assert notice["start_on"] == "2026-11-12" and notice["end_on"] == "2026-11-18"
    assert notice["places"] == "安邦村公示栏" and notice["closed_on"] == "2026-11-20"
    (objection,) = body["objections"]
    assert (
        objection["handled"] and objection["outcome"] == "unfounded" and objection["handling"] == "车辆已报废"
    )
    assert objection["raised_by"] == "李**" and objection["contact"] == "139****5678"  # masked
    decision = body["decision"]
    assert decision["outcome"] == "approve" and decision["amount"] == "1040.00"
    assert decision["start_month"] == "2026-12-01" and decision["authority_name"] == "尖山区民政局"
    assert body["emergency_aid"] is None and body["reviews"] == [] and body["bureau_filings"] == []
    # A6: nothing of the verification, and reading the record is not a verification read.
    text = r.content.decode()
    assert "verification" not in text and FINDINGS not in text and "450" not in text
    assert AuditEvent.objects.filter(action="verification.view").count() == views_before
    # The ID numbers of the family never appear.
    from jiuzhu.core import crypto
    from jiuzhu.registry.identity import ID_PURPOSE

    for member in case.household.members.all():
        assert crypto.decrypt(member.id_cipher, purpose=ID_PURPOSE) not in text


def test_case_record_with_review_and_filing_with_the_bureau():
    case = qijiang_case(DATONG)
    accept(case, by="qj_dt_caseworker")
    verify(case, by="qj_dt_caseworker", verifier="qj_verifier")
    investigate(case, by="qj_dt_caseworker")
    review(case, by="qj_dt_caseworker")
    steps.decide(by=user("qj_dt_approver"), case=case, data=meeting())
    steps.file_with_bureau(by=user("qj_dt_caseworker"), case=case, on=d("2026-11-12"), note="已报区民政局")
    body = client_for("qj_dt_caseworker").get(f"/api/v1/cases/{case.pk}").json()
    (rv,) = body["reviews"]
    assert (
        rv["panel_size"] == 5 and len(rv["panel"]) == 5 and rv["passed"] and rv["result_label"] == "评议认可"
    )
    assert rv["votes_for"] == 5 and rv["votes_against"] == 0 and rv["triggered_by"] == "profile"
    assert body["bureau_filings"] == [{"filed_on": "2026-11-12", "note": "已报区民政局", "by_name": "谢小红"}]
    assert body["status"] == State.TO_NOTICE and body["decision"] is None


def test_emergency_aid_in_the_record():
    case = emergency_case()
    at = timezone.make_aware(datetime(2026, 11, 2, 8, 0))
    steps.emergency_aid(
        by=user("ab_approver"), case=case, requested_at=at, paid_at=at + timedelta(hours=30), amount="1000"
    )
    aid = client_for("ab_caseworker").get(f"/api/v1/cases/{case.pk}").json()["emergency_aid"]
    assert aid["amount"] == "1000.00" and aid["late"] and aid["paid_by_name"] == "刘宏伟"
    assert aid["registered_on"] is None and aid["registration_overdue"]
    assert aid["requested_at"].startswith("2026-11-02T08:00:00") and aid["requested_at"].endswith("+08:00")


# --- naive datetimes for emergency aid (bug: 500) ----------------------------------------------------


def test_emergency_aid_without_a_timezone_is_local_time_and_never_in_the_future():
    case = emergency_case()
    c = client_for("ab_approver")
    url = f"/cases/{case.pk}/emergency-aid"
    future = post(
        c, url, {"requested_at": "2026-11-21T08:00:00", "paid_at": "2026-11-21T09:00:00", "amount": "500"}
    )
    assert future.status_code == 400, future.content
    body = future.json()
    # Both times are wrong, and both are reported at once.
    assert "求助时间不能晚于当前时间（2026-11-20 10:00）" in body["message"]
    assert body["errors"]["requested_at"] == ["不能晚于当前时间"] and body["errors"]["paid_at"]
    # 2026-11-20 09:30 in Beijing is 01:30 UTC: past, although 09:30 UTC would be in the future.
    ok = post(
        c, url, {"requested_at": "2026-11-20T08:00:00", "paid_at": "2026-11-20T09:30:00", "amount": "500"}
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == State.EMERGENCY_AIDED
    aid = EmergencyAid.objects.get(case=case)
    assert aid.requested_at == timezone.make_aware(datetime(2026, 11, 20, 8, 0))
    assert aid.paid_at == datetime.fromisoformat("2026-11-20T09:30:00+08:00") and not aid.late
    bad = post(
        c, url, {"requested_at": "0001-01-01T00:00:00", "paid_at": "2026-11-20T09:30:00", "amount": "5"}
    )
    assert bad.status_code in (400, 409, 422) and bad.json()["code"] != "server_error"


def test_emergency_aid_with_an_offset_takes_the_local_date():
    case = emergency_case()
    r = post(
        client_for("ab_approver"),
        f"/cases/{case.pk}/emergency-aid",
        {"requested_at": "2026-11-19T16:30:00+00:00", "paid_at": "2026-11-19T17:00:00Z", "amount": "500"},
    )
    assert r.status_code == 200, r.content
    aid = EmergencyAid.objects.get(case=case)
    assert aid.paid_at == datetime.fromisoformat("2026-11-20T01:00:00+08:00")
    assert case.steps.get(kind="emergency_aid").on == d("2026-11-20")  # the Beijing date, not the UTC one


# --- GET /cases/emergency-aid/late -------------------------------------------------------------------


def test_late_emergency_aids_are_listed_in_the_jurisdiction_as_on_the_deadlines_page():
    late = emergency_case()
    at = timezone.make_aware(datetime(2026, 11, 2, 8, 0))
    steps.emergency_aid(
        by=user("ab_approver"), case=late, requested_at=at, paid_at=at + timedelta(hours=30), amount="1000"
    )
    unregistered = emergency_case()
    steps.emergency_aid(
        by=user("ab_approver"),
        case=unregistered,
        requested_at=at,
        paid_at=at + timedelta(hours=2),
        amount="800",
    )
    on_time = emergency_case()
    now = timezone.make_aware(datetime(2026, 11, 20, 8, 0))
    steps.emergency_aid(
        by=user("ab_approver"), case=on_time, requested_at=now, paid_at=now + timedelta(hours=1), amount="300"
    )

    r = client_for("ab_caseworker").get("/api/v1/cases/emergency-aid/late?page_size=500")
    assert r.status_code == 200, r.content
    rows = {row["case_number"]: row for row in r.json()["items"]}
    assert late.number in rows and unregistered.number in rows and on_time.number not in rows
    assert rows[late.number]["aid_late"] and rows[late.number]["registration_overdue"]
    assert not rows[unregistered.number]["aid_late"] and rows[unregistered.number]["registration_overdue"]
    assert rows[late.number]["township_code"] == ANBANG and rows[late.number]["amount"] == "1000.00"
    page = client_for("ab_caseworker").get("/cases/deadlines/").content.decode()
    assert all(number in page for number in rows)  # the same list as the page

    only_aid = client_for("ab_caseworker").get("/api/v1/cases/emergency-aid/late?kind=aid").json()
    assert {row["case_number"] for row in only_aid["items"]} == {late.number}
    assert only_aid["count"] == 1 and only_aid["page"] == 1
    county = client_for("js_bureau").get("/api/v1/cases/emergency-aid/late?page_size=500").json()["items"]
    assert {late.number, unregistered.number} <= {row["case_number"] for row in county}
    for outsider in ("emr_caseworker", "qj_bureau"):  # other townships and counties: not in their list
        theirs = client_for(outsider).get("/api/v1/cases/emergency-aid/late?page_size=500").json()["items"]
        assert not {late.number, unregistered.number} & {row["case_number"] for row in theirs}, outsider
    assert former_staff().get("/api/v1/cases/emergency-aid/late").status_code == 403
    bad = client_for("ab_caseworker").get("/api/v1/cases/emergency-aid/late?kind=other")
    assert bad.status_code == 422


# --- GET /cases/{id}/timeline ------------------------------------------------------------------------


def test_timeline_is_readable_by_whoever_reads_the_case_in_time_order():
    case = to_investigated()
    c = client_for("ab_caseworker")
    assert c.get("/api/v1/audit/events").status_code == 403  # township staff do not read the audit trail
    c.get(f"/api/v1/cases/{case.pk}/verifications")  # a read: stays out of the timeline
    r = c.get(f"/api/v1/cases/{case.pk}/timeline")
    assert r.status_code == 200, r.content
    body = r.json()
    items = body["items"]
    assert body["count"] == len(items) >= 4
    assert [i["at"] for i in items] == sorted(i["at"] for i in items)
    assert items[0]["action"] == "case.create" and items[0]["action_label"] == "登记申请"
    assert items[0]["actor_name"] == "王春燕" and items[0]["role_label"] == "乡镇（街道）经办人员"
    actions = [i["action"] for i in items]
    assert "case.accept" in actions and "case.investigate" in actions
    assert not any(a.endswith(".view") for a in actions)
    assert set(items[0]) == {
        "id",
        "at",
        "actor_name",
        "role",
        "role_label",
        "organisation_name",
        "action",
        "action_label",
        "reason",
    }
    second = c.get(f"/api/v1/cases/{case.pk}/timeline?page=2&page_size=2").json()
    assert second["items"] == items[2:4]


# --- by role: in scope 200, another township 404, in scope without the permission 403 -----------------


@pytest.mark.parametrize("path", ["", "/timeline"])
def test_reads_by_role(path):
    case = to_investigated()
    url = f"/api/v1/cases/{case.pk}{path}"
    for username in (
        "ab_caseworker",
        "ab_approver",
        "ab_assistant",
        "ab_verifier",
        "js_auditor",
        "js_finance",
    ):
        assert client_for(username).get(url).status_code == 200, username
    for username in ("emr_caseworker", "emr_approver", "qj_bureau"):
        assert client_for(username).get(url).status_code == 404, username
    assert former_staff().get(url).status_code == 403


def test_decide_by_role():
    case = to_investigated()
    url = f"/cases/{case.pk}/decision"
    assert post(client_for("emr_approver"), url, MEETING).status_code == 404
    for username in ("ab_caseworker", "ab_assistant"):
        r = post(client_for(username), url, MEETING)
        assert r.status_code == 403 and r.json()["code"] == "forbidden", username
    r = post(client_for("ab_approver"), url, MEETING)
    assert r.status_code == 200, r.content
    assert r.json()["status"] == State.TO_NOTICE


def test_bureau_decision_by_role():
    case = qijiang_case(DONGXI)
    accept(case, by="qj_dx_caseworker")
    verify(case, by="qj_dx_caseworker", verifier="qj_verifier")
    investigate(case, by="qj_dx_caseworker")
    review(case, by="qj_dx_caseworker")
    steps.township_review(by=user("qj_dx_approver"), case=case, data=meeting())
    url = f"/cases/{case.pk}/bureau-decision"
    payload = {**MEETING, "held_on": "2026-11-13", "amount": "1060"}
    for username in ("qj_dt_approver", "js_bureau"):  # another township, another county
        assert post(client_for(username), url, payload).status_code == 404, username
    for username in ("qj_dx_approver", "qj_dx_caseworker"):
        assert post(client_for(username), url, payload).status_code == 403, username
    r = post(client_for("qj_bureau"), url, payload)
    assert r.status_code == 200, r.content
    assert r.json()["status"] == State.TO_NOTICE


def test_post_notice_by_role():
    case = to_investigated()
    steps.decide(by=user("ab_approver"), case=case, data=meeting())
    payload = {"case_ids": [case.pk], "start_on": "2026-11-12"}
    r = post(client_for("emr_caseworker"), "/notices", payload)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert post(client_for("ab_assistant"), "/notices", payload).status_code == 403
    r = post(client_for("ab_caseworker"), "/notices", payload)
    assert r.status_code == 201, r.content
    assert r.json()["cases"][0]["status"] == State.NOTICE


def test_final_approval_by_role():
    case = to_investigated()
    steps.decide(by=user("ab_approver"), case=case, data=meeting())
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-12"))
    payload = {"case_ids": [case.pk], "on": "2026-11-20"}
    assert post(client_for("emr_approver"), "/finalizations", payload).status_code == 404
    for username in ("ab_caseworker", "ab_assistant"):
        assert post(client_for(username), "/finalizations", payload).status_code == 403, username
    r = post(client_for("ab_approver"), "/finalizations", payload)
    assert r.status_code == 200, r.content
    assert r.json()["cases"][0]["status"] == State.APPROVED
    assert Case.objects.get(pk=case.pk).decision.start_month == d("2026-12-01")


def test_emergency_aid_by_role():
    case = emergency_case()
    url = f"/cases/{case.pk}/emergency-aid"
    payload = {
        "requested_at": "2026-11-19T20:00:00+08:00",
        "paid_at": "2026-11-19T23:00:00+08:00",
        "amount": "2000",
    }
    assert post(client_for("emr_approver"), url, payload).status_code == 404
    for username in ("ab_caseworker", "ab_assistant"):
        assert post(client_for(username), url, payload).status_code == 403, username
    r = post(client_for("ab_approver"), url, payload)
    assert r.status_code == 200, r.content
    assert r.json()["status"] == State.EMERGENCY_AIDED
