"""The citizen portal: policies and materials, the online application (A3), the status query,
the household's notices, an objection during the notice (P3), complaints (S8), and the citizen path that must
not open a way around staff permissions (D-101)."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jiuzhu.cases.models import Case
from jiuzhu.cases.states import State
from jiuzhu.core import clock
from jiuzhu.core.errors import Forbidden, NotFound
from jiuzhu.core.models import AuditEvent
from jiuzhu.documents.models import Attachment
from jiuzhu.portal.actor import PORTAL_NAME, portal_account, portal_actor
from jiuzhu.portal.models import Complaint
from tests.helpers import (
    ALL_JIANSHAN_USERS,
    ANBANG_VILLAGE,
    ERMALU,
    JIANSHAN,
    client_for,
    d,
    make_case,
    make_household,
    meeting,
    member,
    new_id,
    to_investigated,
    user,
)

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def apply_payload(**kw) -> dict:
    data = {
        "county": JIANSHAN,
        "assistance_type": "dibao_rural",
        "area_code": ANBANG_VILLAGE,
        "address": "安邦村2组8号",
        "phone": "13800002222",
        "head_name": "韩大勇",
        "head_id_number": new_id(),
        "reason": "妻子患病，无固定收入",
        "requested_amount": "",
        "consent_verification": "on",
        "consent_commitment": "on",
        "m-TOTAL_FORMS": "1",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "1000",
        "m-0-name": "韩小梅",
        "m-0-id_number": new_id(birth="19850505", female=True),
        "m-0-relation": "spouse",
    }
    data.update(kw)
    return data


# --- public pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [None, *ALL_JIANSHAN_USERS])
def test_public_portal_pages_need_no_login(who):
    c = client_for(who) if who else Client()
    for url in [
        "/portal/",
        "/portal/policies/",
        f"/portal/policies/?county={JIANSHAN}",
        "/portal/policies/dibao_rural/",
        "/portal/apply/",
        f"/portal/apply/?county={JIANSHAN}",
        "/portal/status/",
        "/portal/complaint/",
    ]:
        r = c.get(url)
        assert r.status_code == 200, url
        assert "社会救助网上服务" in r.content.decode()
    assert c.get("/portal/policies/nonsense/").status_code == 404
    assert c.get("/portal/status/case/").status_code == 302  # nothing unlocked yet


def test_S12_portal_shows_the_chosen_county_hotline(settings):
    from jiuzhu.archive import boards
    from jiuzhu.core.services import param_set

    settings.JIUZHU_PORTAL_HOTLINE = "96999"
    param_set(
        by=user("js_bureau"),
        key=boards.HOTLINE,
        scope_code=JIANSHAN,
        effective_from=d("2026-01-01"),
        value="0469-4221234",
        reason="区民政局监督电话",
    )
    assert "0469-4221234" in Client().get(f"/portal/policies/?county={JIANSHAN}").content.decode()
    assert "96999" in Client().get("/portal/").content.decode()  # no county chosen yet


def test_A3_materials_list_marks_shared_items_as_not_needed():
    page = Client().get(f"/portal/policies/dibao_rural/?county={JIANSHAN}").content.decode()
    needed = page.split('data-testid="materials-needed"')[1].split("</ul>")[0]
    shared = page.split('data-testid="materials-shared"')[1].split("</ul>")[0]
    assert "户口簿" in shared and "无需提供" in shared and "户口簿" not in needed
    assert "承诺书" in needed


# --- online application (A3) ------------------------------------------------------------------------------


def test_A3_online_application_with_upload_gives_a_number_and_is_audited_as_citizen():
    c = Client()
    photo = SimpleUploadedFile("hukou.png", PNG, content_type="image/png")
    r = c.post(f"/portal/apply/?county={JIANSHAN}", {**apply_payload(), "uploads": [photo]})
    assert r.status_code == 302 and r["Location"] == "/portal/apply/done/", r.content.decode()[:2000]
    done = c.get(r["Location"]).content.decode()
    number = re.search(r'data-testid="application-number">([^<]+)<', done).group(1)
    case = Case.objects.get(number=number)
    assert case.channel == "online" and case.status == State.SUBMITTED
    assert case.household.members.count() == 2
    assert {(s.kind, s.online) for s in case.signatures.all()} == {
        ("authorisation", True),
        ("commitment", True),
    }
    attachment = Attachment.objects.get(owner_id=str(case.pk))
    assert attachment.uploaded_by == portal_account() and attachment.content_type == "image/png"
    events = AuditEvent.objects.filter(area_code=case.area_code, actor=portal_account())
    assert {"household.create", "case.create", "case.signature", "attachment.store"} <= {
        e.action for e in events
    }
    assert {e.actor_name for e in events} == {PORTAL_NAME} and {e.channel for e in events} == {"portal"}
    assert all(e.role == "" and e.organisation_id is None for e in events)


def test_A3_both_consents_are_required_and_nothing_is_written_without_them():
    before = Case.objects.count()
    payload = apply_payload()
    del payload["consent_commitment"]
    r = Client().post(f"/portal/apply/?county={JIANSHAN}", payload)
    assert r.status_code == 400 and "须签署承诺书" in r.content.decode()
    assert Case.objects.count() == before


def test_A3_a_fake_image_or_a_bad_id_is_refused_before_anything_is_written():
    before = Case.objects.count()
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    r = Client().post(f"/portal/apply/?county={JIANSHAN}", {**apply_payload(), "uploads": [fake]})
    assert r.status_code == 400 and "文件类型不符" in r.content.decode()
    bad = new_id()[:-1] + "Y"
    r = Client().post(f"/portal/apply/?county={JIANSHAN}", apply_payload(**{"m-0-id_number": bad}))
    assert r.status_code == 400 and "身份证号" in r.content.decode()
    assert Case.objects.count() == before


def test_A3_submissions_are_rate_limited_per_address(settings):
    settings.JIUZHU_RATES = {**settings.JIUZHU_RATES, "portal_submit": "1/hour"}
    c = Client(REMOTE_ADDR="10.9.9.9")
    assert c.post(f"/portal/apply/?county={JIANSHAN}", apply_payload()).status_code == 302
    r = c.post(f"/portal/apply/?county={JIANSHAN}", apply_payload())
    assert r.status_code == 429 and "频繁" in r.content.decode() and int(r["Retry-After"]) > 0


# --- status query -------------------------------------------------------------------------------------


def household_and_case():
    head_id, spouse_id = new_id(), new_id(birth="19820303", female=True)
    household = make_household(
        members=[member("王大山", id_number=head_id), member("刘秀兰", "spouse", id_number=spouse_id)]
    )
    return make_case(household), head_id, spouse_id


def query(c: Client, number: str, id_number: str):
    return c.post("/portal/status/", {"number": number, "id_number": id_number})


def test_status_query_by_number_and_any_member_id_shows_masked_status():
    case, _head_id, spouse_id = household_and_case()
    c = Client()
    r = query(c, case.number, spouse_id.lower())
    assert r.status_code == 302 and r["Location"] == "/portal/status/case/"
    page = c.get("/portal/status/case/").content.decode()
    assert case.number in page and "待受理" in page and "王**" in page and "王大山" not in page
    event = AuditEvent.objects.filter(action="portal.status_query").latest("id")
    assert event.object_repr == case.number and event.actor_name == PORTAL_NAME


def test_a_wrong_pair_reveals_nothing():
    case, head_id, _ = household_and_case()
    _other, other_head, _ = household_and_case()
    answers = [
        query(Client(), case.number, other_head),  # a real ID of another household
        query(Client(), "230502-2026-999999", head_id),  # no such number
        query(Client(), case.number, "not an id"),  # garbage
    ]
    bodies = [
        re.search(r'data-testid="form-error">(.*?)</div>', r.content.decode(), re.S).group(1) for r in answers
    ]
    assert all(r.status_code == 400 for r in answers)
    assert len(set(bodies)) == 1 and "未查询到相符的申请" in bodies[0]


def test_status_query_is_rate_limited_per_address_and_per_number(settings):
    settings.JIUZHU_RATES = {
        **settings.JIUZHU_RATES,
        "portal_query": "3/hour",
        "portal_query_number": "2/day",
    }
    case, head_id, _ = household_and_case()
    here = Client(REMOTE_ADDR="10.0.0.1")
    assert [query(here, f"x{i}", "y").status_code for i in range(3)] == [400, 400, 400]
    limited = query(here, case.number, head_id)
    assert limited.status_code == 429 and "频繁" in limited.content.decode()
    # Guessing ID numbers for one application from many addresses: failures count per number.
    for i in range(2):
        assert query(Client(REMOTE_ADDR=f"10.0.1.{i}"), case.number, new_id()).status_code == 400
    assert query(Client(REMOTE_ADDR="10.0.2.1"), case.number, head_id).status_code == 429
    clock.advance(timedelta(days=1))
    assert query(Client(REMOTE_ADDR="10.0.2.1"), case.number, head_id).status_code == 302


def test_access_expires_and_can_be_ended():
    case, head_id, _ = household_and_case()
    c = Client()
    query(c, case.number, head_id)
    assert c.get("/portal/status/case/").status_code == 200
    clock.advance(timedelta(minutes=31))
    assert c.get("/portal/status/case/").status_code == 302
    clock.advance(timedelta(minutes=-31))
    query(c, case.number, head_id)
    c.post("/portal/status/leave/")
    assert c.get("/portal/status/case/").status_code == 302


# --- notices and objection (P2, P3) -------------------------------------------------------------------------


def in_notice():
    from jiuzhu.cases.services import steps

    head_id = new_id()
    household = make_household(members=[member("赵有福", id_number=head_id)])
    case = to_investigated(make_case(household))
    steps.decide(by=user("ab_approver"), case=case, data=meeting())
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-16"))
    case.refresh_from_db()
    assert case.status == State.NOTICE
    return case, head_id


def test_P2_household_sees_its_notices_and_documents_only():
    from jiuzhu.cases.documents import issue

    case, head_id = in_notice()
    doc = issue(by=user("ab_caseworker"), case=case, kind="public_notice")
    internal = issue(by=user("ab_caseworker"), case=case, kind="investigation_form")
    c = Client()
    query(c, case.number, head_id)
    page = c.get("/portal/status/case/").content.decode()
    assert "审批结果公示" in page and "入户调查表" not in page
    pdf = c.get(f"/portal/status/case/documents/{doc.pk}/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="portal.document_open", object_id=str(doc.pk)).exists()
    assert c.get(f"/portal/status/case/documents/{internal.pk}/").status_code == 404
    other, other_head, _ = household_and_case()
    stranger = Client()
    query(stranger, other.number, other_head)
    assert stranger.get(f"/portal/status/case/documents/{doc.pk}/").status_code == 404


def test_P3_a_household_member_objects_during_the_notice():
    case, head_id = in_notice()
    c = Client()
    query(c, case.number, head_id)
    assert 'data-testid="objection-form"' in c.get("/portal/status/case/").content.decode()
    r = c.post(
        "/portal/status/case/objection/", {"content": "核定人数有误，应为一人", "contact": "13800001111"}
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == State.OBJECTION
    objection = case.objections.get()
    assert objection.registered_by == portal_account() and "赵有福" in objection.raised_by
    assert objection.received_on == clock.today()
    event = AuditEvent.objects.filter(action="case.object", object_id=str(case.pk)).latest("id")
    assert event.actor_name == PORTAL_NAME and event.channel == "portal"
    # Not in the notice any more: no form, and a direct post is refused with a message.
    page = c.get("/portal/status/case/").content.decode()
    assert 'data-testid="objection-form"' not in page and "复核中" in page
    c.post("/portal/status/case/objection/", {"content": "再次提出异议内容"})
    assert case.objections.count() == 1
    assert "不在公示期" in c.get("/portal/status/case/").content.decode()


def test_P3_objection_needs_a_valid_query_first():
    case, _ = in_notice()
    r = Client().post("/portal/status/case/objection/", {"content": "没有查询直接提交"})
    assert r.status_code == 302 and r["Location"] == "/portal/status/"
    assert not case.objections.exists()


# --- complaints (S8) ----------------------------------------------------------------------------------------


def test_S8_complaint_from_the_portal_is_kept_audited_and_listed_for_the_bureau():
    c = Client()
    r = c.post(
        "/portal/complaint/",
        {"kind": "report", "area_code": ERMALU, "content": "某户有车辆仍享受低保", "name": "", "phone": ""},
    )
    assert r.status_code == 302
    number = re.search(
        r'data-testid="complaint-number">([^<]+)<', c.get(r["Location"]).content.decode()
    ).group(1)
    complaint = Complaint.objects.get(number=number)
    assert complaint.status == "received" and complaint.area_code == ERMALU
    assert AuditEvent.objects.filter(action="portal.complaint", object_id=str(complaint.pk)).exists()
    assert number in client_for("js_inspector").get("/portal/staff/complaints/").content.decode()


def test_S8_portal_complaint_is_handed_to_supervision_after_commit(django_capture_on_commit_callbacks):
    from jiuzhu.supervision.models import Complaint as Handled

    with django_capture_on_commit_callbacks(execute=True):
        r = Client().post(
            "/portal/complaint/",
            {
                "kind": "report",
                "area_code": ERMALU,
                "content": "某户有车辆仍享受低保",
                "name": "",
                "phone": "",
            },
        )
    assert r.status_code == 302
    complaint = Complaint.objects.get()
    handled = Handled.objects.get(number=complaint.supervision_ref)
    assert complaint.status == "handed_over" and complaint.handed_over_at is not None
    assert handled.channel == "online" and handled.anonymous and handled.township_code == ERMALU
    assert handled.content.startswith("【举报") and "某户有车辆" in handled.content
    assert handled.reply_due_on is not None  # the S8 clock runs from the portal submission


def test_S8_complaint_validation():
    r = Client().post(
        "/portal/complaint/", {"kind": "report", "area_code": "230502200201", "content": "太短"}
    )
    assert r.status_code == 400 and not Complaint.objects.exists()


STAFF_COMPLAINTS = {"js_bureau", "js_inspector"}  # COMPLAINT_HANDLE at the bureau; townships do not see them


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_S8_staff_complaints_page_for_every_role(username):
    r = client_for(username).get("/portal/staff/complaints/")
    assert r.status_code == (200 if username in STAFF_COMPLAINTS else 403)


def test_S8_staff_complaints_page_is_scoped_to_the_county():
    from jiuzhu.portal import services

    mine = services.complaint_submit(
        kind="complaint", area_code=ERMALU, content="办理拖延超过时限", ip="1.1.1.1"
    )
    theirs = services.complaint_submit(
        kind="complaint", area_code="500110011000", content="办理拖延超过时限", ip="1.1.1.2"
    )
    page = client_for("js_bureau").get("/portal/staff/complaints/").content.decode()
    assert mine.number in page and theirs.number not in page
    assert Client().get("/portal/staff/complaints/").status_code == 302  # login first


# --- the citizen path does not open a way around staff permissions (D-101) --------------------------------


def test_D101_portal_actor_is_limited_to_its_grant():
    from jiuzhu.cases.selectors import cases_visible_to
    from jiuzhu.cases.services import intake
    from jiuzhu.orgs import authz
    from jiuzhu.orgs.roles import Perm

    case = make_case(make_household())
    actor = portal_actor(perms={Perm.CASE_CREATE}, area_code=ANBANG_VILLAGE, purpose="test")
    assert authz.require(actor, Perm.CASE_CREATE, ANBANG_VILLAGE) is None
    with pytest.raises(NotFound):
        authz.require(actor, Perm.CASE_CREATE, "230502004001")  # another village
    with pytest.raises(Forbidden):
        authz.require(actor, Perm.CASE_CREATE)  # no area: never
    with pytest.raises(Forbidden):
        intake.accept(by=actor, case=case, accepted_on=d("2026-11-19"))  # no CASE_PROCESS in this grant
    with pytest.raises(Forbidden):  # staff selectors never serve the portal actor, whatever its grant
        cases_visible_to(portal_actor(perms={Perm.VIEW}, area_code=ANBANG_VILLAGE, purpose="x"))
    assert not authz.can(actor, Perm.CASE_CREATE, ANBANG_VILLAGE)  # only require() honours a grant
    fresh = portal_account()
    with pytest.raises(NotFound):
        authz.require(fresh, Perm.CASE_CREATE, ANBANG_VILLAGE)  # the bare account has no grant, no scope
    assert not fresh.is_active and not fresh.has_usable_password()
    login = Client().post("/accounts/login/", {"username": fresh.username, "password": ""})
    assert login.status_code == 200 and "_auth_user_id" not in login.client.session
