"""补录: a step dated further back than the policy's limit (N working days, default 5) is refused for the
township and accepted through a 补录 request a bureau officer approved; the step is then marked 补录 on the
case page and its timeline. And the order of the procedure: no step dated before the one it depends on."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import (
    accept,
    client_for,
    complete_intake,
    investigate,
    make_case,
    make_household,
    meeting,
    review,
    user,
    verify,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def backdate_default():
    """The national default of the limit, as shipped (the suite opens it wide for its other fixtures)."""
    from jiuzhu.core.models import ParameterValue

    shipped = json.loads(Path("jiuzhu/core/policy_defaults.json").read_text(encoding="utf-8"))
    value = next(e["value"] for e in shipped if e["key"] == "steps.backdate_working_days")
    ParameterValue.objects.filter(key="steps.backdate_working_days", scope_code="").update(value=value)
    return value


def _accept_on(case, day: str):
    return client_for("ab_caseworker").post(
        f"/cases/{case.pk}/accept/", {"version": case.version, "accepted_on": day}, follow=True
    )


def _ready_case():
    case = make_case(make_household(), applied_on=date(2026, 11, 2))
    complete_intake(case)
    case.refresh_from_db()
    return case


def test_backfill_default_limit_is_five_working_days(backdate_default):
    assert backdate_default == 5


def test_backfill_a_date_within_the_limit_is_accepted_through_the_page(backdate_default):
    # Frozen on Friday 2026-11-20: five working days back is Friday 2026-11-13.
    case = _ready_case()
    r = _accept_on(case, "2026-11-13")
    case.refresh_from_db()
    assert r.status_code == 200
    assert case.status == "accepted"
    assert case.steps.get(kind="accept").backfill is None


def test_backfill_a_date_beyond_the_limit_is_refused_for_the_township(backdate_default):
    case = _ready_case()
    r = _accept_on(case, "2026-11-12")
    case.refresh_from_db()
    assert case.status == "submitted"
    assert not case.steps.filter(kind="accept").exists()
    page = r.content.decode()
    assert "超过补录期限" in page and "2026-11-13" in page and "经民政局批准" in page


def test_backfill_a_step_beyond_the_limit_is_accepted_through_an_approved_request(backdate_default):
    from jiuzhu.cases.models_backfill import BackfillRequest

    case = _ready_case()
    township = client_for("ab_caseworker")
    r = township.post(
        f"/cases/{case.pk}/backfill/",
        {
            "backfill-action": "accept",
            "backfill-step_on": "2026-11-05",
            "backfill-reason": "纸质受理单当日已出具，系统故障未及时录入",
        },
        follow=True,
    )
    assert "补录申请已提交" in r.content.decode()
    request = BackfillRequest.objects.get(case=case)
    assert request.status == "pending"

    # Still refused while the request waits.
    _accept_on(case, "2026-11-05")
    case.refresh_from_db()
    assert case.status == "submitted"

    # Neither the township nor the requester may approve it.
    assert client_for("ab_approver").get("/cases/backfills/").status_code == 403
    r = client_for("ab_approver").post(f"/cases/backfills/{request.pk}/decide/", {"decision": "approve"})
    assert r.status_code in (403, 404)
    request.refresh_from_db()
    assert request.status == "pending"

    bureau = client_for("js_bureau")
    listing = bureau.get("/cases/backfills/").content.decode()
    assert case.number in listing and "系统故障未及时录入" in listing
    r = bureau.post(
        f"/cases/backfills/{request.pk}/decide/",
        {"decision": "approve", "note": "有纸质受理单为证"},
        follow=True,
    )
    assert "已批准" in r.content.decode()

    r = _accept_on(case, "2026-11-05")
    case.refresh_from_db()
    assert case.status == "accepted"
    step = case.steps.get(kind="accept")
    assert step.on.isoformat() == "2026-11-05"
    assert step.backfill_id == request.pk
    request.refresh_from_db()
    assert request.status == "used"

    # The case page marks it in the 补录 card and in the timeline.
    page = township.get(f"/cases/{case.pk}/").content.decode()
    assert "已补录" in page
    assert "补录（2026-11-05，经民政局批准" in page


def test_backfill_an_approved_request_serves_one_step_on_its_date_only(backdate_default):
    from jiuzhu.cases.services.backfill import backfill_decide, backfill_request

    case = _ready_case()
    req = backfill_request(
        by=user("ab_caseworker"),
        case=case,
        action="accept",
        step_on=date(2026, 11, 5),
        reason="补录纸质受理",
    )
    backfill_decide(by=user("js_bureau"), request=req, approve=True)
    _accept_on(case, "2026-11-06")  # another date than the approved one
    case.refresh_from_db()
    assert case.status == "submitted"


def test_backfill_request_needs_a_reason_and_a_date_beyond_the_limit(backdate_default):
    from jiuzhu.cases.models_backfill import BackfillRequest

    case = _ready_case()
    township = client_for("ab_caseworker")
    r = township.post(
        f"/cases/{case.pk}/backfill/",
        {"backfill-action": "accept", "backfill-step_on": "2026-11-16", "backfill-reason": "晚录"},
        follow=True,
    )
    assert "无需补录申请" in r.content.decode()
    r = township.post(
        f"/cases/{case.pk}/backfill/",
        {"backfill-action": "accept", "backfill-step_on": "2026-11-05", "backfill-reason": "  "},
        follow=True,
    )
    assert "补录申请未提交" in r.content.decode()
    assert not BackfillRequest.objects.filter(case=case).exists()


def test_backfill_refused_request_needs_a_reason_and_leaves_the_step_refused(backdate_default):
    from jiuzhu.cases.models_backfill import BackfillRequest
    from jiuzhu.cases.services.backfill import backfill_request

    case = _ready_case()
    req = backfill_request(
        by=user("ab_caseworker"),
        case=case,
        action="accept",
        step_on=date(2026, 11, 5),
        reason="补录",
    )
    bureau = client_for("js_bureau")
    r = bureau.post(f"/cases/backfills/{req.pk}/decide/", {"decision": "reject", "note": ""}, follow=True)
    assert "不批准时须写明理由" in r.content.decode()
    bureau.post(f"/cases/backfills/{req.pk}/decide/", {"decision": "reject", "note": "无纸质凭证"})
    assert BackfillRequest.objects.get(pk=req.pk).status == "rejected"
    _accept_on(case, "2026-11-05")
    case.refresh_from_db()
    assert case.status == "submitted"


# --- the order of the procedure ---------------------------------------------------------------------


def _township_reviewed_on(day: str):
    from jiuzhu.cases.services import steps

    household = make_household(by="qj_bureau", area="500110009201", address="东溪镇永乐村2组")
    case = make_case(household, by="qj_bureau")
    accept(case, by="qj_dx_caseworker")
    verify(case, by="qj_dx_caseworker", verifier="qj_verifier")
    investigate(case, by="qj_dx_caseworker")
    review(case, by="qj_dx_caseworker")
    steps.township_review(by=user("qj_dx_approver"), case=case, data=meeting(on=day))
    return case


def test_P1_a_bureau_decision_dated_before_the_township_meeting_is_refused():
    case = _township_reviewed_on("2026-11-16")
    fields = {
        "held_on": "2026-11-13",
        "attendees": "局长 审批",
        "minutes": "同意",
        "outcome": "approve",
        "covered_members": "1",
        "reasons": "",
    }
    r = client_for("qj_bureau").post(
        f"/cases/{case.pk}/act/bureau_decide/", {f"bureau_decide-{k}": v for k, v in fields.items()}
    )
    case.refresh_from_db()
    assert case.status == "township_reviewed"
    assert "不能早于上一环节日期" in r.content.decode()
    # On or after the meeting it goes through.
    fields["held_on"] = "2026-11-17"
    client_for("qj_bureau").post(
        f"/cases/{case.pk}/act/bureau_decide/", {f"bureau_decide-{k}": v for k, v in fields.items()}
    )
    case.refresh_from_db()
    assert case.status == "to_notice"


def test_P2_a_notice_dated_before_the_meeting_is_refused_and_its_end_is_computed():
    from jiuzhu.cases.services import steps

    case = accept(make_case())
    verify(case)
    investigate(case)
    steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2026-11-16"))
    c = client_for("ab_caseworker")
    r = c.post(f"/cases/{case.pk}/act/post_notice/", {"post_notice-start_on": "2026-11-13"})
    case.refresh_from_db()
    assert case.status == "to_notice"
    assert "不能早于上一环节日期" in r.content.decode()
    # An end date typed into the form is ignored: the end is computed from the parameter (P2).
    c.post(
        f"/cases/{case.pk}/act/post_notice/",
        {"post_notice-start_on": "2026-11-16", "post_notice-end_on": "2026-11-17"},
    )
    notice = case.public_notices.get()
    assert notice.end_on.isoformat() == "2026-11-22"  # 7 days including the first


def test_P3_a_final_decision_dated_before_the_meeting_is_refused():
    from jiuzhu.cases.services import steps
    from jiuzhu.core.models import ParameterValue

    ParameterValue.objects.filter(key="notice.days", scope_code="").update(value=1)
    case = accept(make_case())
    verify(case)
    investigate(case)
    steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2026-11-16"))
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=date(2026, 11, 16))
    c = client_for("ab_approver")
    r = c.post(f"/cases/{case.pk}/act/finalize/", {"finalize-on": "2026-11-12"})
    case.refresh_from_db()
    assert case.status == "notice"
    assert "期满后方可作出决定" in r.content.decode() or "不能早于" in r.content.decode()
    c.post(f"/cases/{case.pk}/act/finalize/", {"finalize-on": "2026-11-18"})
    case.refresh_from_db()
    assert case.status == "approved"


def test_backfill_a_backfilled_step_is_named_on_the_case_documents(backdate_default):
    import io

    from pypdf import PdfReader

    from jiuzhu.cases import documents
    from jiuzhu.cases.services.backfill import backfill_decide, backfill_request
    from jiuzhu.documents.models import IssuedDocument

    case = _ready_case()
    req = backfill_request(
        by=user("ab_caseworker"),
        case=case,
        action="accept",
        step_on=date(2026, 11, 5),
        reason="纸质受理单补录",
    )
    backfill_decide(by=user("js_bureau"), request=req, approve=True)
    _accept_on(case, "2026-11-05")
    kind = documents.issuable(case)[0]
    client_for("ab_caseworker").post(f"/cases/{case.pk}/documents/{kind}/")
    doc = IssuedDocument.objects.filter(kind=kind).order_by("-id").first()
    with doc.pdf.open("rb") as fh:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)
    assert "补录" in text and "受理" in text


def test_backfill_steps_are_listed_per_township_by_the_warning_rule(backdate_default):
    from jiuzhu.cases.services.backfill import backfill_decide, backfill_request
    from jiuzhu.supervision import scan as scanning
    from jiuzhu.supervision.models import Alert

    backfilled, on_time = _ready_case(), _ready_case()
    req = backfill_request(
        by=user("ab_caseworker"),
        case=backfilled,
        action="accept",
        step_on=date(2026, 11, 5),
        reason="纸质补录",
    )
    backfill_decide(by=user("js_bureau"), request=req, approve=True)
    _accept_on(backfilled, "2026-11-05")
    _accept_on(on_time, "2026-11-16")
    scanning.scan(by=user("js_inspector"), area_code="230502000000", rules=["backfilled_step"])
    alerts = Alert.objects.filter(rule="backfilled_step")
    assert list(alerts.values_list("case_id", flat=True)) == [backfilled.pk]
    alert = alerts.get()
    assert alert.township_code == "230502200000"
    assert "补录受理" in alert.detail and "2026-11-05" in alert.detail and "纸质补录" in alert.detail
    page = client_for("js_inspector").get("/supervision/alerts/?rule=backfilled_step").content.decode()
    assert backfilled.number in page
