"""The supervision steps through the API: complaint handling, findings, letters and reports,
funds, trainings, scan jobs and the township's queue. Each endpoint for the right role, 404 outside the
jurisdiction, 403 inside it without the permission, and 400/422 for bad input that writes nothing."""

from datetime import timedelta

import pytest

from jiuzhu.core import clock
from jiuzhu.core.models import AuditEvent, Job
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.supervision.models import Complaint, Finding, FundAllocation, Training
from jiuzhu.supervision.services import complaints, escalation, inspections
from tests.helpers import ANBANG, JIANSHAN, QIJIANG, client_for, d, user

pytestmark = pytest.mark.django_db

API = "/api/v1/supervision"


def post(username: str, url: str, data: dict | None = None):
    return client_for(username).post(API + url, data or {}, content_type="application/json")


def get(username: str, url: str):
    return client_for(username).get(API + url)


class Unchanged:
    """Asserts that a block wrote nothing: no audit event, and the given row counts stay the same."""

    def __init__(self, *models):
        self.models = models

    def __enter__(self):
        self.before = [AuditEvent.objects.count(), *(m.objects.count() for m in self.models)]

    def __exit__(self, *exc):
        if exc[0] is None:
            assert [AuditEvent.objects.count(), *(m.objects.count() for m in self.models)] == self.before


# --- complaints -----------------------------------------------------------------------------------------


def test_complaint_from_assignment_to_return_visit(world):
    url = f"/complaints/{world.complaint.pk}"
    r = post("js_bureau", url + "/assign", {"assignee_id": user("ab_caseworker").pk})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "assigned" and r.json()["assigned_to_id"] == user("ab_caseworker").pk
    r = post(
        "ab_caseworker",
        url + "/investigate",
        {
            "method": "unannounced",
            "investigation": "暗访属实，该户有营运车辆",
            "substantiated": True,
            "on": "2026-11-20",
            "severity": "major",
            "version": r.json()["version"],
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "investigated" and len(body["finding_ids"]) == 1
    assert Finding.objects.get(pk=body["finding_ids"][0]).severity == "major"
    r = post("ab_caseworker", url + "/reply", {"reply": "已停发并追回", "on": "2026-11-20"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "replied" and r.json()["overdue"] is False
    r = post("js_bureau", url + "/return-visit", {"on": "2026-11-20", "satisfaction": "satisfied"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "closed" and r.json()["satisfaction"] == "satisfied"
    detail = get("js_bureau", url).json()
    assert detail["reply"] == "已停发并追回" and detail["method"] == "unannounced"


def test_a_reply_after_the_deadline_is_marked_overdue(world):
    late = complaints.complaint_submit(
        by=user("js_bureau"),
        channel="letter",
        content="来信反映低保评议不公开",
        area_code=ANBANG,
        anonymous=True,
        received_on=d("2026-10-08"),
    )
    assert late.reply_due_on < d("2026-11-20")
    url = f"/complaints/{late.pk}"
    assert get("js_bureau", url).json()["overdue"] is True  # not answered, deadline passed
    post(
        "js_bureau",
        url + "/investigate",
        {"method": "records", "investigation": "查阅评议记录", "substantiated": False, "on": "2026-11-19"},
    )
    r = post("js_bureau", url + "/reply", {"reply": "评议已公开", "on": "2026-11-20"})
    assert r.status_code == 200 and r.json()["overdue"] is True  # answered late


@pytest.mark.parametrize(
    "step, body",
    [
        ("assign", {"assignee_id": 1}),
        (
            "investigate",
            {"method": "visit", "investigation": "x", "substantiated": False, "on": "2026-11-20"},
        ),
        ("reply", {"reply": "x", "on": "2026-11-20"}),
        ("return-visit", {"on": "2026-11-20", "satisfaction": "basic"}),
    ],
)
def test_complaint_steps_outside_the_jurisdiction_or_without_the_permission(world, step, body):
    url = f"/complaints/{world.complaint.pk}/{step}"
    with Unchanged(Complaint, Finding):
        for username in ("emr_caseworker", "qj_bureau", "ab_assistant"):
            assert post(username, url, body).status_code == 404, username
        for username in ("js_finance", "js_auditor", "ab_verifier"):
            assert post(username, url, body).status_code == 403, username
    assert post("js_bureau", "/complaints/999999999/assign", {"assignee_id": 1}).status_code == 404


def test_complaint_steps_refuse_bad_input_and_write_nothing(world):
    url = f"/complaints/{world.complaint.pk}"
    with Unchanged(Complaint, Finding):
        # assignee who may not handle complaints there, one that does not exist, an impossible id
        r = post("js_bureau", url + "/assign", {"assignee_id": user("js_finance").pk})
        assert r.status_code == 400 and "assignee_id" in r.json()["errors"]
        assert post("js_bureau", url + "/assign", {"assignee_id": 987654321}).status_code == 400
        assert post("js_bureau", url + "/assign", {"assignee_id": 0}).status_code == 422
        r = post("js_bureau", url + "/assign", {"assignee_id": user("ab_caseworker").pk, "on": "2026-11-21"})
        assert r.status_code == 400  # in the future
        good = {"method": "visit", "investigation": "入户核实", "substantiated": True, "on": "2026-11-20"}
        assert post("ab_caseworker", url + "/investigate", {**good, "method": "phone"}).status_code == 422
        assert post("ab_caseworker", url + "/investigate", {**good, "investigation": ""}).status_code == 422
        assert post("ab_caseworker", url + "/investigate", {**good, "severity": "x"}).status_code == 422
        # not handed to the township yet (S8): it does not find the complaint at all
        assert post("ab_caseworker", url + "/investigate", {**good, "on": "2026-11-21"}).status_code == 404
        assert post("ab_caseworker", url + "/investigate", {**good, "version": 7}).status_code == 404
        # steps out of order: no reply before the investigation, no return visit before the reply
        assert post("ab_caseworker", url + "/reply", {"reply": "x", "on": "2026-11-20"}).status_code == 404
        r = post("js_bureau", url + "/return-visit", {"on": "2026-11-20", "satisfaction": "satisfied"})
        assert r.status_code == 400
        r = post("js_bureau", url + "/return-visit", {"on": "2026-11-20", "satisfaction": "great"})
        assert r.status_code == 422
        assert post("js_bureau", "/complaints/abc/assign", {"assignee_id": 1}).status_code == 422
    world.complaint.refresh_from_db()
    assert world.complaint.status == "received" and world.complaint.version == 1


# --- findings -------------------------------------------------------------------------------------------


def test_finding_detail_rectify_and_close(world):
    url = f"/findings/{world.finding.pk}"
    r = get("js_auditor", url)
    assert r.status_code == 200
    assert r.json()["status"] == "open" and r.json()["matter_ids"] == [world.matter.pk]
    for username in ("emr_caseworker", "qj_bureau", "lh_bg_caseworker"):
        assert get(username, url).status_code == 404, username
    assert get("js_auditor", "/findings/999999999").status_code == 404
    assert get("js_auditor", "/findings/0").status_code == 422

    rectify = {"rectified_on": "2026-11-20", "rectification": "已补齐公示照片并归档"}
    with Unchanged(Finding):
        assert post("emr_caseworker", url + "/rectify", rectify).status_code == 404
        assert post("js_bureau", url + "/rectify", rectify).status_code == 403
        assert post("ab_caseworker", url + "/rectify", {**rectify, "rectification": ""}).status_code == 422
        r = post("ab_caseworker", url + "/rectify", {**rectify, "rectified_on": "2026-11-19"})
        assert r.status_code == 400  # before the finding
        assert post("ab_caseworker", url + "/rectify", {**rectify, "rectified_on": "x"}).status_code == 422
    r = post("ab_caseworker", url + "/rectify", rectify)
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "rectified" and r.json()["rectification"] == "已补齐公示照片并归档"

    with Unchanged(Finding):
        assert post("qj_bureau", url + "/close", {"note": "到位"}).status_code == 404
        assert post("ab_caseworker", url + "/close", {"note": "到位"}).status_code == 403
        assert post("js_inspector", url + "/close", {"note": ""}).status_code == 422
    r = post("js_inspector", url + "/close", {"note": "核实到位"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    with Unchanged(Finding):
        assert post("js_inspector", url + "/close", {"note": "再次"}).status_code == 400
        assert post("ab_caseworker", url + "/rectify", rectify).status_code == 400


# --- letters and reports ------------------------------------------------------------------------------


def test_prompt_letter_pdf(world):
    step = world.matter.steps.get()
    url = f"/matters/{world.matter.pk}/steps/{step.pk}/letter"
    with Unchanged(IssuedDocument):
        for username in ("emr_caseworker", "qj_bureau", "ab_assistant"):
            assert post(username, url).status_code == 404, username
        for username in ("js_bureau", "ab_caseworker"):
            assert post(username, url).status_code == 403, username
        assert post("js_inspector", f"/matters/{world.matter.pk}/steps/999999999/letter").status_code == 404
        assert post("js_inspector", f"/matters/{world.matter.pk}/steps/x/letter").status_code == 422
    r = post("js_inspector", url)
    assert r.status_code == 201, r.content
    body = r.json()
    document = IssuedDocument.objects.get(pk=body["document_id"])
    assert document.kind == "prompt_letter" and body["number"] == document.number
    assert body["title"] == "督办提示函" and body["pdf_url"] == f"/api/v1/documents/{document.pk}/pdf"
    assert f"/verify/{document.uuid}/?h=" in body["verify_url"]
    step.refresh_from_db()
    assert step.document_id == document.pk
    pdf = client_for("js_inspector").get(body["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    with Unchanged(IssuedDocument):
        assert post("js_inspector", url).status_code == 400  # already issued
        assert post("js_bureau", url).status_code == 403


def test_no_letter_for_a_reminder(world):
    matter = escalation.matter_open(
        by=user("js_inspector"),
        township_code=ANBANG,
        title="台账更新不及时",
        problem="电话提醒",
        step=escalation.StepInput("reminder", d("2026-11-20"), None, "本周内更新", "王春燕"),
    )
    step = matter.steps.get()
    with Unchanged(IssuedDocument):
        r = post("js_inspector", f"/matters/{matter.pk}/steps/{step.pk}/letter")
        assert r.status_code == 400 and "不出具" in r.json()["message"]
        # a step of another matter is not found under this one
        other = world.matter.steps.get()
        assert post("js_inspector", f"/matters/{matter.pk}/steps/{other.pk}/letter").status_code == 404


def test_inspection_report_pdf(world):
    url = f"/inspections/{world.inspection.pk}/report"
    with Unchanged(IssuedDocument):
        assert post("js_inspector", url).status_code == 400  # not completed yet
        assert post("emr_caseworker", url).status_code == 404
        assert post("qj_bureau", url).status_code == 404
        assert post("js_bureau", url).status_code == 403
        assert post("js_inspector", "/inspections/999999999/report").status_code == 404
    answers = [inspections.AnswerInput(a.pk, "pass") for a in world.inspection.answers.all()]
    inspections.inspection_answer(by=user("js_inspector"), inspection=world.inspection, answers=answers)
    inspections.inspection_complete(by=user("js_inspector"), inspection=world.inspection, conclusion="规范")
    with Unchanged(IssuedDocument):
        assert post("js_bureau", url).status_code == 403
    r = post("js_inspector", url)
    assert r.status_code == 201, r.content
    document = IssuedDocument.objects.get(pk=r.json()["document_id"])
    assert document.kind == "inspection_report" and r.json()["title"] == "社会救助审核确认流程检查报告"


# --- funds and trainings --------------------------------------------------------------------------------


def allocation(**kw):
    return {
        "township_code": ANBANG,
        "year": 2026,
        "amount": "50000.00",
        "allocated_on": "2026-03-01",
        "document_no": "尖民发〔2026〕3号",
        **kw,
    }


def test_fund_allocations_and_the_summary(db):
    r = post("js_finance", "/funds/allocations", allocation())
    assert r.status_code == 201, r.content
    assert r.json()["amount"] in ("50000.00", 50000.0) and r.json()["township_code"] == ANBANG
    assert post("js_bureau", "/funds/allocations", allocation(amount="2000")).status_code == 201
    rows = {row["township_code"]: row for row in get("js_inspector", "/funds?year=2026").json()}
    assert float(rows[ANBANG]["allocated"]) == 52000 and float(rows[ANBANG]["remaining"]) == 52000
    assert float(rows[ANBANG]["spent"]) == 0 and rows[ANBANG]["payments"] == 0
    assert [row["township_code"] for row in get("ab_caseworker", "/funds").json()] == [ANBANG]
    assert ANBANG not in {row["township_code"] for row in get("qj_bureau", "/funds?year=2026").json()}
    assert get("js_auditor", "/funds/allocations?year=2026").json()["count"] == 2
    assert get("js_auditor", f"/funds/allocations?year=2025&township={ANBANG}").json()["count"] == 0
    assert get("emr_caseworker", "/funds/allocations").json()["count"] == 0
    assert get("qj_bureau", "/funds/allocations").json()["count"] == 0
    assert get("js_auditor", "/funds?year=1999").status_code == 422


def test_fund_allocation_refusals_write_nothing(db):
    with Unchanged(FundAllocation):
        assert post("qj_bureau", "/funds/allocations", allocation()).status_code == 404
        assert post("emr_caseworker", "/funds/allocations", allocation()).status_code == 404
        for username in ("js_inspector", "ab_caseworker", "js_auditor"):
            assert post(username, "/funds/allocations", allocation()).status_code == 403, username
        assert post("js_finance", "/funds/allocations", allocation(amount="-5")).status_code == 400
        assert post("js_finance", "/funds/allocations", allocation(amount="0")).status_code == 400
        assert post("js_finance", "/funds/allocations", allocation(amount="1.234")).status_code == 422
        assert post("js_finance", "/funds/allocations", allocation(amount="abc")).status_code == 422
        assert post("js_finance", "/funds/allocations", allocation(township_code="x")).status_code == 422
        assert post("js_finance", "/funds/allocations", allocation(township_code=JIANSHAN)).status_code == 400
        assert post("js_finance", "/funds/allocations", allocation(year=1999)).status_code == 422
        r = post("js_finance", "/funds/allocations", allocation(allocated_on="2026-11-21"))
        assert r.status_code == 400  # in the future


def training(**kw):
    return {
        "county_code": JIANSHAN,
        "held_on": "2026-05-10",
        "title": "低保审核确认业务培训",
        "organiser": "尖山区民政局",
        "hours": "4",
        "attendee_ids": [user("ab_caseworker").pk],
        "other_attendees": 12,
        **kw,
    }


def test_trainings_list_and_create(db):
    r = post("js_inspector", "/trainings", training())
    assert r.status_code == 201, r.content
    assert r.json()["attendee_ids"] == [user("ab_caseworker").pk] and r.json()["other_attendees"] == 12
    assert post("js_bureau", "/trainings", training(attendee_ids=[])).status_code == 201
    assert get("js_auditor", "/trainings").json()["count"] == 2
    assert get("js_auditor", "/trainings?year=2025").json()["count"] == 0
    assert get("qj_bureau", "/trainings").json()["count"] == 0


def test_training_refusals_write_nothing(db):
    with Unchanged(Training):
        assert post("qj_bureau", "/trainings", training()).status_code == 404
        assert post("ab_caseworker", "/trainings", training()).status_code == 404  # a county's record
        for username in ("js_finance", "js_auditor"):
            assert post(username, "/trainings", training()).status_code == 403, username
        assert post("js_inspector", "/trainings", training(hours="0")).status_code == 400
        assert post("js_inspector", "/trainings", training(hours="300")).status_code == 400
        assert post("js_inspector", "/trainings", training(hours="1.25")).status_code == 422
        assert post("js_inspector", "/trainings", training(title="")).status_code == 422
        assert post("js_inspector", "/trainings", training(county_code=ANBANG)).status_code == 400
        assert post("js_inspector", "/trainings", training(attendee_ids=[987654321])).status_code == 400
        r = post("js_inspector", "/trainings", training(attendee_ids=[user("qj_dt_caseworker").pk]))
        assert r.status_code == 400  # not in the county
        assert post("js_inspector", "/trainings", training(other_attendees=-1)).status_code == 422
        assert post("js_inspector", "/trainings", training(held_on="2026-11-21")).status_code == 400


# --- scan jobs ------------------------------------------------------------------------------------------


def test_scan_job_progress_and_result(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = post("js_inspector", "/scans", {"area_code": ANBANG})
    assert r.status_code == 202, r.content
    job_id = r.json()["id"]
    r = get("js_inspector", f"/scans/{job_id}")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "done" and body["percent"] == 100 and body["finished_at"]
    assert isinstance(body["found"], int) and body["found"] == body["result"]["found"]
    assert "no_home_visit" in body["result"]["rules"]
    for username in ("emr_caseworker", "qj_bureau", "lh_bg_caseworker"):
        assert get(username, f"/scans/{job_id}").status_code == 404, username
    for username in ("js_bureau", "ab_caseworker", "js_auditor"):
        assert get(username, f"/scans/{job_id}").status_code == 403, username
    assert get("js_inspector", "/scans/999999999").status_code == 404
    assert get("js_inspector", "/scans/0").status_code == 422
    other = Job.objects.create(kind="household_import", area_code=ANBANG, created_at=clock.now())
    assert get("js_inspector", f"/scans/{other.pk}").status_code == 404  # not a scan


def test_scan_request_refusals_start_no_job(db):
    with Unchanged(Job):
        assert post("js_inspector", "/scans", {"area_code": QIJIANG}).status_code == 404
        assert post("js_bureau", "/scans", {"area_code": ANBANG}).status_code == 403
        assert post("js_inspector", "/scans", {"area_code": "23"}).status_code == 422


# --- the township's queue and overdue matters -----------------------------------------------------------


def test_township_queue(world):
    r = get("ab_caseworker", "/queue")
    assert r.status_code == 200, r.content
    body = r.json()
    step = world.matter.steps.get()
    assert body["matter_count"] == 1 and body["overdue_count"] == 0
    assert body["matters"] == [
        {
            "id": world.matter.pk,
            "township_code": ANBANG,
            "title": "公示材料归档不全",
            "level": "prompt",
            "status": "open",
            "opened_on": "2026-11-20",
            "step_id": step.pk,
            "issued_on": "2026-11-20",
            "due_on": "2026-12-04",
            "overdue": False,
            "version": world.matter.version,
        }
    ]
    assert world.alert.pk in [a["id"] for a in body["alerts"]] and body["alert_count"] >= 1
    assert [f["id"] for f in body["findings"]] == [world.finding.pk]
    # S8: the complaint is still with the bureau; once handed to the township it is in its queue
    assert body["complaints"] == [] and body["complaint_count"] == 0
    complaints.complaint_assign(
        by=user("js_bureau"), complaint=world.complaint, assignee=user("ab_caseworker")
    )
    body = get("ab_caseworker", "/queue").json()
    assert [c["id"] for c in body["complaints"]] == [world.complaint.pk] and body["complaint_count"] == 1
    clock.advance(timedelta(days=20))
    body = get("ab_approver", "/queue").json()
    assert body["overdue_count"] == 1 and body["matters"][0]["overdue"] is True
    # another township sees its own queue, without 安邦乡's matters
    other = get("emr_caseworker", "/queue").json()
    assert other["matter_count"] == 0 and other["complaints"] == [] and other["findings"] == []
    for username in ("js_inspector", "js_bureau", "qj_bureau", "ab_assistant"):
        assert get(username, "/queue").status_code == 403, username


def test_matters_overdue_filter(world):
    assert get("js_inspector", "/matters?overdue=true").json()["count"] == 0
    assert get("js_inspector", "/matters?overdue=false").json()["count"] == 1
    clock.advance(timedelta(days=20))
    r = get("js_inspector", "/matters?overdue=true")
    assert [m["id"] for m in r.json()["items"]] == [world.matter.pk]
    assert get("js_inspector", "/matters?overdue=false").json()["count"] == 0
    assert get("js_inspector", f"/matters?overdue=true&township={ANBANG}&level=prompt").json()["count"] == 1
    assert get("emr_caseworker", "/matters?overdue=true").json()["count"] == 0
    assert get("js_inspector", "/matters?overdue=maybe").status_code == 422
    assert get("js_inspector", "/matters?township=x").status_code == 422
