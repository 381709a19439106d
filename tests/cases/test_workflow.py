"""The workflow on both routes, the profiles, notices and objections, deadlines, emergency aid."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from jiuzhu.cases.deadlines import deadline_of
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import Decision, MeetingLevel
from jiuzhu.cases.services import intake, steps
from jiuzhu.cases.states import State
from jiuzhu.core import clock
from jiuzhu.core.errors import Forbidden, TransitionNotAllowed, ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.core.services import param_set
from jiuzhu.orgs import services as org_services
from jiuzhu.orgs.models import DelegationGrant
from jiuzhu.payments.services.reopening import reopen
from tests.helpers import (
    ANBANG,
    DATONG,
    DONGXI,
    accept,
    client_for,
    complete_intake,
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


def qijiang_case(township=DONGXI, village_suffix="201"):
    household = make_household(by="qj_bureau", area=township[:9] + village_suffix, address="綦江测试户")
    return make_case(household, by="qj_bureau")


def qijiang_township_reviewed():
    """A 低保 case in 东溪镇 (not delegated): reviewed by the town and forwarded to the bureau (D3)."""
    case = qijiang_case()
    accept(case, by="qj_dx_caseworker")
    verify(case, by="qj_dx_caseworker", verifier="qj_verifier")
    investigate(case, by="qj_dx_caseworker")
    review(case, by="qj_dx_caseworker")
    steps.township_review(by=user("qj_dx_approver"), case=case, data=meeting())
    return case


def test_P1_delegated_township_decides_in_the_bureaus_name_and_start_month():
    case = to_investigated()
    with pytest.raises(Forbidden):
        steps.decide(by=user("ab_caseworker"), case=case, data=meeting())  # a case worker does not decide
    with pytest.raises(ValidationFailed) as wrong:  # B1: the amount follows the formula to the fen
        steps.decide(by=user("ab_approver"), case=case, data=meeting(amount="812.00"))
    assert "1,040.00" in wrong.value.message
    steps.decide(by=user("ab_approver"), case=case, data=meeting())  # blank: the calculator's amount
    assert case.status == State.TO_NOTICE
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-12"))
    assert case.public_notices.get().end_on == d("2026-11-18")  # 7 days (parameter P2)
    decision = steps.finalize(by=user("ab_approver"), case=case, on=d("2026-11-20"))
    assert case.status == State.APPROVED
    assert decision.authority_name == "尖山区民政局" and decision.handling_unit_name == "安邦乡人民政府"
    assert (
        decision.start_month == date(2026, 12, 1) and decision.amount == 1040
    )  # 520 × 2, no income registered
    assert "低保标准 520.00" in decision.basis and "× 2 人" in decision.basis
    assert decision.route == "township"


def test_D3_two_level_route_township_reviews_bureau_decides():
    case = qijiang_case()
    accept(case, by="qj_dx_caseworker")
    verify(case, by="qj_dx_caseworker", verifier="qj_verifier")
    investigate(case, by="qj_dx_caseworker")
    with pytest.raises(ValidationFailed):
        review(case, by="qj_dx_caseworker", size=6)  # panel of 5, 7 or 9 only (R1)
    review(case, by="qj_dx_caseworker")  # 綦江 profile: every case is reviewed
    with pytest.raises(TransitionNotAllowed) as exc:
        steps.decide(by=user("qj_dx_approver"), case=case, data=meeting())
    assert "民政局审批" in exc.value.message  # a township can never take the bureau's decision
    steps.township_review(by=user("qj_dx_approver"), case=case, data=meeting())
    assert case.status == State.TOWNSHIP_REVIEWED
    with pytest.raises(Forbidden):
        steps.bureau_decide(by=user("qj_dx_approver"), case=case, data=meeting(on="2026-11-13"))
    steps.bureau_decide(by=user("qj_bureau"), case=case, data=meeting(on="2026-11-13", amount="1060"))
    steps.post_notice(by=user("qj_dx_caseworker"), cases=[case], start_on=d("2026-11-13"))
    with pytest.raises(Forbidden):
        steps.finalize(by=user("qj_dx_approver"), case=case)
    decision = steps.finalize(by=user("qj_bureau"), case=case)
    assert (
        decision.route == "bureau"
        and decision.handling_unit_name == ""
        and decision.authority_name == "綦江区民政局"
    )


def test_P5_qijiang_delegated_town_files_with_the_bureau_before_the_notice():
    case = qijiang_case(DATONG)
    accept(case, by="qj_dt_caseworker")
    verify(case, by="qj_dt_caseworker", verifier="qj_verifier")
    investigate(case, by="qj_dt_caseworker")
    review(case, by="qj_dt_caseworker")
    steps.decide(by=user("qj_dt_approver"), case=case, data=meeting())
    assert case.status == State.FILING
    with pytest.raises(TransitionNotAllowed):
        steps.post_notice(by=user("qj_dt_caseworker"), cases=[case], start_on=d("2026-11-12"))
    steps.file_with_bureau(by=user("qj_dt_caseworker"), case=case, on=d("2026-11-12"))
    steps.post_notice(by=user("qj_dt_caseworker"), cases=[case], start_on=d("2026-11-12"))
    assert case.status == State.NOTICE


def test_D4_suspended_grant_sends_the_decision_to_the_bureau():
    case = to_investigated()
    grant = DelegationGrant.objects.get(township_id=ANBANG, category="dibao")
    org_services.grant_suspend(by=user("js_bureau"), grant=grant, start=d("2026-11-20"), reason="专项整改")
    with pytest.raises(TransitionNotAllowed) as exc:
        steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2026-11-20"))
    assert "暂停" in exc.value.message
    steps.township_review(by=user("ab_approver"), case=case, data=meeting(on="2026-11-20"))
    steps.bureau_decide(by=user("js_bureau"), case=case, data=meeting(on="2026-11-20"))
    assert case.meetings.get(level=MeetingLevel.BUREAU_DECISION).route == "bureau"


def test_D3_route_is_taken_on_the_meeting_day_not_the_application_day():
    case = to_investigated()
    grant = DelegationGrant.objects.get(township_id=ANBANG, category="dibao")
    org_services.grant_revoke(by=user("js_bureau"), grant=grant, on=d("2026-11-20"), reason="收回")
    # A meeting held yesterday (paper entered today) was still under the grant.
    steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2026-11-19"))
    assert case.meetings.get().route == "township"


def test_temporary_aid_above_the_township_cap_goes_to_the_bureau():
    big = make_case(make_household(), assistance_type="linshi_expense", requested_amount="5000")
    to_investigated(big)
    with pytest.raises(TransitionNotAllowed) as exc:
        steps.decide(by=user("ab_approver"), case=big, data=meeting(amount="5000"))
    assert "超过乡镇（街道）审批上限" in exc.value.message
    small = make_case(make_household(), assistance_type="linshi_expense", requested_amount="800")
    to_investigated(small)
    with pytest.raises(ValidationFailed) as above:  # the meeting raised the amount above the cap
        steps.decide(by=user("ab_approver"), case=small, data=meeting(amount="4000"))
    assert "超过乡镇（街道）审批上限" in above.value.message and "尖山区民政局审批" in above.value.message
    assert above.value.field_errors["amount"]
    steps.decide(by=user("ab_approver"), case=small, data=meeting(amount="1500"))
    assert small.status == State.TO_NOTICE


def test_D3_a_grant_in_force_after_the_township_review_sends_the_case_back_to_the_township():
    from jiuzhu.cases.transitions import blocked_reason
    from jiuzhu.orgs.models import Jurisdiction

    case = qijiang_township_reviewed()
    org_services.grant_create(
        by=user("qj_bureau"),
        township=Jurisdiction.objects.get(code=DONGXI),
        category="dibao",
        valid_from=date(2026, 11, 13),
        valid_to=None,
        letter_no="綦府委〔2026〕12号",
        signed_on=date(2026, 11, 12),
        phase="batch",
    )
    assert "退回" in blocked_reason(case, "bureau_decide", d("2026-11-13"))
    page = client_for("qj_bureau").get(f"/cases/{case.pk}/").content.decode()
    assert "退回乡镇（街道）" in page and "请退回乡镇（街道）审批" in page
    r = client_for("qj_bureau").post(
        f"/cases/{case.pk}/act/return_to_township/",
        {"return_to_township-on": "2026-11-13", "return_to_township-reason": ""},
    )
    case.refresh_from_db()
    assert case.status == State.TOWNSHIP_REVIEWED  # a reason is required; nothing changed
    with pytest.raises(TransitionNotAllowed):
        steps.bureau_decide(by=user("qj_bureau"), case=case, data=meeting(on="2026-11-13"))
    with pytest.raises(Forbidden):  # only the bureau returns a case
        steps.return_to_township(by=user("qj_dx_approver"), case=case, on=d("2026-11-13"), reason="x")
    with pytest.raises(ValidationFailed):
        steps.return_to_township(by=user("qj_bureau"), case=case, on=d("2026-11-13"), reason=" ")
    assert (
        client_for("qj_dx_approver")
        .post(
            f"/api/v1/cases/{case.pk}/return-to-township",
            {"on": "2026-11-13", "reason": "x"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    r = client_for("qj_bureau").post(
        f"/api/v1/cases/{case.pk}/return-to-township",
        {"on": "2026-11-13", "reason": "11月13日起已委托东溪镇审批"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    case.refresh_from_db()
    assert case.status == State.REVIEWED
    assert AuditEvent.objects.filter(action="case.return_to_township", object_id=str(case.pk)).exists()
    steps.decide(by=user("qj_dx_approver"), case=case, data=meeting(on="2026-11-14"))
    assert case.meetings.order_by("-id").first().route == "township"


def test_D3_the_bureau_may_settle_above_cap_temporary_aid_at_a_lower_amount():
    case = make_case(make_household(), assistance_type="linshi_expense", requested_amount="5000")
    to_investigated(case)
    steps.township_review(by=user("ab_approver"), case=case, data=meeting(amount="5000"))
    steps.bureau_decide(by=user("js_bureau"), case=case, data=meeting(on="2026-11-13", amount="2000"))
    case.refresh_from_db()
    assert case.status == State.TO_NOTICE
    assert case.meetings.order_by("-id").first().route == "bureau"


def test_R1_disputed_case_needs_a_review_under_the_jianshan_profile():
    case = to_investigated()
    steps.mark_disputed(by=user("ab_caseworker"), case=case, reason="邻居反映有经营收入")
    case.refresh_from_db()
    with pytest.raises(TransitionNotAllowed) as exc:
        steps.decide(by=user("ab_approver"), case=case, data=meeting())
    assert "民主评议" in exc.value.message
    review(case)
    steps.decide(by=user("ab_approver"), case=case, data=meeting())


def test_I1_investigation_needs_two_township_staff_and_signatures():
    case = make_case()
    accept(case)
    verify(case)
    base = {
        "visited_on": d("2026-11-09"),
        "home_visit": "x",
        "conclusion": "y",
        "investigators_signed": True,
        "applicant_signed": True,
    }
    with pytest.raises(ValidationFailed) as exc:
        steps.investigate(
            by=user("ab_caseworker"),
            case=case,
            data=steps.InvestigationInput(investigator_ids=[user("ab_caseworker").pk], **base),
        )
    assert "2 名以上" in exc.value.message
    with pytest.raises(ValidationFailed):
        steps.investigate(
            by=user("ab_caseworker"),
            case=case,
            data=steps.InvestigationInput(
                investigator_ids=[user("ab_caseworker").pk, user("emr_caseworker").pk], **base
            ),
        )
    with pytest.raises(ValidationFailed):
        steps.investigate(
            by=user("ab_caseworker"),
            case=case,
            data=steps.InvestigationInput(
                investigator_ids=[user("ab_caseworker").pk, user("ab_approver").pk],
                **{**base, "applicant_signed": False},
            ),
        )


def test_dates_never_future_never_before_the_previous_step():
    case = make_case()
    accept(case, on="2026-11-05")
    with pytest.raises(ValidationFailed) as exc:
        steps.verify_request(by=user("ab_caseworker"), case=case, on=d("2026-11-04"))
    assert "不能早于上一环节日期" in exc.value.message
    with pytest.raises(ValidationFailed):
        steps.verify_request(by=user("ab_caseworker"), case=case, on=d("2026-11-21"))
    assert case.steps.count() == 1


def test_DM2_decision_blocked_until_near_relative_filing():
    from jiuzhu.registry.services.relatives import RelativeInput, relative_add
    from tests.helpers import member, new_id

    number = new_id()
    relative = relative_add(
        by=user("ab_caseworker"),
        area_code=ANBANG,
        data=RelativeInput(
            "张桂兰", "village_committee", "安邦村村民委员会", "张一", number, "儿子", d("2025-01-01")
        ),
    )
    case = to_investigated(make_case(make_household(members=[member("张一", id_number=number)])))
    with pytest.raises(TransitionNotAllowed) as exc:
        steps.decide(by=user("ab_approver"), case=case, data=meeting())
    assert "近亲属备案" in exc.value.message
    intake.file_near_relative(
        by=user("ab_caseworker"), case=case, relative=relative, filed_on=d("2026-11-10"), note="已备案"
    )
    steps.decide(by=user("ab_approver"), case=case, data=meeting())


def test_P3_objection_unfounded_then_founded():
    case = to_investigated()
    steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2026-11-10"))
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-10"))
    with pytest.raises(ValidationFailed):
        steps.register_objection(
            by=user("ab_caseworker"), case=case, received_on=d("2026-11-20"), content="超出公示期"
        )
    steps.register_objection(
        by=user("ab_caseworker"), case=case, received_on=d("2026-11-12"), content="该户有车辆"
    )
    with pytest.raises(TransitionNotAllowed):
        steps.finalize(by=user("ab_approver"), case=case)
    steps.resolve_objection(
        by=user("ab_caseworker"),
        case=case,
        handled_on=d("2026-11-14"),
        outcome="unfounded",
        handling="车辆已报废，有报废证明",
    )
    assert case.status == State.NOTICE
    steps.register_objection(
        by=user("ab_caseworker"), case=case, received_on=d("2026-11-15"), content="又有人反映"
    )
    steps.resolve_objection(
        by=user("ab_caseworker"),
        case=case,
        handled_on=d("2026-11-16"),
        outcome="founded",
        handling="查实有经营收入，重新审批",
    )
    assert case.status == State.INVESTIGATED
    steps.decide(
        by=user("ab_approver"),
        case=case,
        data=meeting(on="2026-11-17", outcome="reject", reasons="有经营收入"),
    )
    assert case.status == State.REJECTED and case.decision.reasons == "有经营收入"


def test_liaocheng_profile_verify_before_apply_and_review_on_objection():
    param_set(
        by=user("js_bureau"),
        key="procedure.profile",
        scope_code="230502000000",
        effective_from=d("2026-01-01"),
        value="liaocheng",
        reason="测试聊城流程",
    )
    case = make_case()
    assert case.profile == "liaocheng"
    complete_intake(case)
    with pytest.raises(TransitionNotAllowed) as exc:
        intake.accept(by=user("ab_caseworker"), case=case, accepted_on=d("2026-11-03"))
    assert "先核对后申请" in exc.value.message
    steps.pre_verify_request(by=user("ab_caseworker"), case=case, on=d("2026-11-03"))
    steps.pre_verify_result(
        by=user("ab_verifier"),
        case=case,
        data=steps.VerificationResult(completed_on=d("2026-11-04"), result="pass", per_capita_income="300"),
    )
    assert case.status == State.SUBMITTED
    intake.accept(by=user("ab_caseworker"), case=case, accepted_on=d("2026-11-05"))
    with pytest.raises(TransitionNotAllowed):
        steps.verify_request(by=user("ab_caseworker"), case=case, on=d("2026-11-05"))
    investigate(case, on="2026-11-06")
    steps.decide(
        by=user("ab_approver"), case=case, data=meeting(on="2026-11-09")
    )  # no review before deciding
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-09"))
    steps.register_objection(
        by=user("ab_caseworker"), case=case, received_on=d("2026-11-10"), content="有异议"
    )
    with pytest.raises(TransitionNotAllowed) as exc:
        steps.resolve_objection(
            by=user("ab_caseworker"), case=case, handled_on=d("2026-11-11"), outcome="unfounded", handling="x"
        )
    assert "民主评议" in exc.value.message
    review(case, on="2026-11-11")
    assert case.status == State.OBJECTION and case.reviews.get().triggered_by == "objection"
    steps.resolve_objection(
        by=user("ab_caseworker"),
        case=case,
        handled_on=d("2026-11-12"),
        outcome="unfounded",
        handling="评议认为情况属实",
    )
    steps.finalize(by=user("ab_approver"), case=case)
    assert case.status == State.APPROVED


def test_liaocheng_failed_pre_verification_is_not_accepted_with_reasons():
    param_set(
        by=user("js_bureau"),
        key="procedure.profile",
        scope_code="230502000000",
        effective_from=d("2026-01-01"),
        value="liaocheng",
        reason="测试",
    )
    case = complete_intake(make_case())
    steps.pre_verify_request(by=user("ab_caseworker"), case=case, on=d("2026-11-03"))
    with pytest.raises(ValidationFailed):
        steps.pre_verify_result(
            by=user("ab_verifier"),
            case=case,
            data=steps.VerificationResult(completed_on=d("2026-11-04"), result="fail"),
        )  # reasons are required
    steps.pre_verify_result(
        by=user("ab_verifier"),
        case=case,
        data=steps.VerificationResult(
            completed_on=d("2026-11-04"), result="fail", findings="名下有商品房两套"
        ),
    )
    assert case.status == State.NOT_ACCEPTED
    assert "名下有商品房两套" in case.notices.get(kind="not_eligible").items[0]


def test_withdraw_before_the_decision_only():
    case = to_investigated()
    intake.withdraw(by=user("ab_caseworker"), case=case, on=d("2026-11-10"), reason="申请人外出务工")
    assert case.status == State.WITHDRAWN
    decided = to_investigated()
    steps.decide(by=user("ab_approver"), case=decided, data=meeting())
    with pytest.raises(TransitionNotAllowed):
        intake.withdraw(by=user("ab_caseworker"), case=decided, on=d("2026-11-13"), reason="x")


class TestDeadlinesP7:
    def test_national_day_2021_and_verification_pause(self):
        clock.freeze(datetime(2021, 10, 25, 10))
        case = make_case(applied_on=d("2021-09-14"))
        accept(case, on="2021-09-15")
        dl = deadline_of(case)
        assert dl.due_on == d("2021-10-19") and dl.limit == 20
        verify(case, requested="2021-09-22", completed="2021-09-28")
        dl = deadline_of(case)
        assert dl.paused == 5  # 23, 24, 26 (Sunday make-up day), 27, 28 September
        assert dl.due_on == d("2021-10-26")
        assert (
            dl.used == 24 - 5 and dl.left == 1 and dl.warning
        )  # 24 working days to 25 October, less 5 paused

    def test_counts_and_overdue_and_stop_at_the_decision(self):
        clock.freeze(datetime(2021, 10, 27, 10))
        case = make_case(applied_on=d("2021-09-14"))
        accept(case, on="2021-09-15")
        dl = deadline_of(case)
        assert dl.used == 26 and dl.overdue and dl.left == -6  # 20 to 19 October, then 20–22, 25–27
        verify(case, requested="2021-10-26", completed="2021-10-27")
        investigate(case, on="2021-10-27")
        # After the 25th decisions wait for next month's ledger (M1) unless the bureau reopens the month.
        reopen(by=user("js_bureau"), county_code=case.county_code, reason="补办超期案件")
        steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2021-10-27"))
        clock.freeze(datetime(2021, 11, 30, 10))
        dl = deadline_of(case)
        assert dl.stopped_on == d("2021-10-27") and dl.paused == 1 and dl.used == 25

    def test_into_a_year_without_holiday_data_is_provisional(self):
        clock.freeze(datetime(2026, 12, 20, 10))
        case = make_case(applied_on=d("2026-12-14"))
        accept(case, on="2026-12-15")
        dl = deadline_of(case)
        assert dl.provisional and dl.due_on.year == 2027

    def test_warning_and_lists(self):
        clock.freeze(datetime(2026, 11, 20, 10))
        late = make_case(applied_on=d("2026-10-08"))
        accept(late, on="2026-10-09")
        near = make_case(applied_on=d("2026-10-23"))
        accept(near, on="2026-10-26")
        assert deadline_of(late).overdue
        assert deadline_of(near).warning and not deadline_of(near).overdue
        page = client_for("js_bureau").get("/cases/deadlines/").content.decode()
        assert late.number in page and near.number in page
        queue = client_for("ab_caseworker").get("/cases/queue/?q=overdue").content.decode()
        assert late.number in queue and near.number not in queue


class TestEmergencyP8:
    def _case(self):
        return make_case(
            make_household(),
            assistance_type="linshi_emergency",
            requested_amount="2000",
            applied_on=d("2026-11-16"),
        )

    def test_aid_within_24_hours_and_registration_within_5_working_days(self):
        case = self._case()
        at = timezone.make_aware(datetime(2026, 11, 16, 20, 0))
        with pytest.raises(Forbidden):
            steps.emergency_aid(
                by=user("ab_caseworker"),
                case=case,
                requested_at=at,
                paid_at=at + timedelta(hours=3),
                amount="2000",
            )
        aid = steps.emergency_aid(
            by=user("ab_approver"), case=case, requested_at=at, paid_at=at + timedelta(hours=3), amount="2000"
        )
        assert not aid.late and aid.register_due_on == d("2026-11-23")
        steps.emergency_register(
            by=user("ab_caseworker"),
            case=case,
            registered_on=d("2026-11-20"),
            recipient_note="火灾受灾户，救助2000元",
            signatures_completed=True,
        )
        case.refresh_from_db()
        assert case.status == State.APPROVED and not case.emergency.registration_late
        assert case.decision.amount == 2000

    def test_late_aid_and_late_registration_are_flagged_and_listed(self):
        case = self._case()
        at = timezone.make_aware(datetime(2026, 11, 2, 8, 0))
        aid = steps.emergency_aid(
            by=user("ab_approver"),
            case=case,
            requested_at=at,
            paid_at=at + timedelta(hours=30),
            amount="1000",
        )
        assert aid.late
        page = client_for("ab_approver").get("/cases/deadlines/").content.decode()
        assert case.number in page
        steps.emergency_register(
            by=user("ab_caseworker"),
            case=case,
            registered_on=d("2026-11-20"),
            recipient_note="补办",
            signatures_completed=True,
        )
        case.refresh_from_db()
        assert case.emergency.registration_late


class TestVerificationA6:
    def test_only_verifiers_and_handlers_see_it_and_every_view_is_logged(self):
        case = to_investigated()
        for username in ("ab_verifier", "ab_caseworker", "js_bureau"):
            r = client_for(username).get(f"/api/v1/cases/{case.pk}/verifications")
            assert r.status_code == 200 and r.json()[0]["per_capita_income"] == "450.00"
        for username in ("js_auditor", "js_inspector", "js_finance", "ab_assistant"):
            assert client_for(username).get(f"/api/v1/cases/{case.pk}/verifications").status_code == 403
            assert "450.00" not in client_for(username).get(f"/cases/{case.pk}/").content.decode()
        assert client_for("emr_caseworker").get(f"/api/v1/cases/{case.pk}/verifications").status_code == 404
        assert AuditEvent.objects.filter(action="verification.view", object_id=str(case.pk)).count() == 3
        assert "450" not in str(AuditEvent.objects.filter(action="case.verify_result").get().after)


def test_queues_follow_the_transition_table():
    accepted = accept(make_case())
    reviewed_by_township = qijiang_case()
    accept(reviewed_by_township, by="qj_dx_caseworker")
    todo = client_for("ab_caseworker").get("/api/v1/queues/todo").json()["items"]
    assert accepted.number in {c["number"] for c in todo}
    bureau = client_for("js_bureau").get("/api/v1/queues/todo?page_size=500").json()["items"]
    assert accepted.number not in {c["number"] for c in bureau}  # township work is not the bureau's to-do
    forwarded = make_case(make_household(), assistance_type="linshi_expense", requested_amount="5000")
    to_investigated(forwarded)
    steps.township_review(by=user("ab_approver"), case=forwarded, data=meeting(amount="5000"))
    bureau = client_for("js_bureau").get("/api/v1/queues/todo?page_size=500").json()["items"]
    assert forwarded.number in {c["number"] for c in bureau}
    assert client_for("js_finance").get("/api/v1/queues/todo").json()["items"] == []
    done = client_for("ab_caseworker").get("/api/v1/queues/done").json()["items"]
    assert accepted.number in {c["number"] for c in done}


def test_bulk_post_notice_through_the_queue_page():
    a, b = to_investigated(), to_investigated()
    for case in (a, b):
        steps.decide(by=user("ab_approver"), case=case, data=meeting())
    c = client_for("ab_caseworker")
    page = c.get("/cases/queue/?q=todo").content.decode()
    assert "对所选申请张榜公示" in page
    r = c.post(
        "/cases/queue/bulk/post_notice/",
        {"case": [a.pk, b.pk], "start_on": "2026-11-12", "next": "/cases/queue/"},
    )
    assert r.status_code == 302
    assert set(Case.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {State.NOTICE}
    other = qijiang_case(DATONG)
    r = c.post("/cases/queue/bulk/post_notice/", {"case": [other.pk], "start_on": "2026-11-12"})
    assert Case.objects.get(pk=other.pk).status != State.NOTICE


def test_case_page_shows_route_and_why_and_actions():
    case = to_investigated()
    page = client_for("ab_approver").get(f"/cases/{case.pk}/").content.decode()
    assert "测算金额 1,040.00 元/月" in page  # B1 suggestion on the case page
    assert "乡镇（街道）受委托审批" in page and "委托书" in page and "审批会议（受委托审批）" in page
    r = client_for("ab_approver").post(
        f"/cases/{case.pk}/act/decide/",
        {
            "decide-held_on": "2026-11-12",
            "decide-attendees": "刘宏伟 副乡长\n王春燕 经办",
            "decide-minutes": "同意",
            "decide-outcome": "approve",
            "decide-amount": "",
            "decide-covered_members": "2",
            "decide-reasons": "",
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == State.TO_NOTICE and case.meetings.get().amount == 1040
    assert client_for("ab_caseworker").post(f"/cases/{case.pk}/act/decide/", {}).status_code in (403, 302)


def test_diagram_in_docs_is_generated_from_the_table():
    from jiuzhu.cases.diagram import DOC, render

    assert DOC.read_text(encoding="utf-8") == render(), "run: python manage.py workflow_diagram"


def test_every_decision_has_exactly_one_event():
    case = to_investigated()
    steps.decide(by=user("ab_approver"), case=case, data=meeting())
    assert AuditEvent.objects.filter(action="case.decide", object_id=str(case.pk)).count() == 1
    assert Decision.objects.filter(case=case).count() == 0  # approval comes after the notice (P3)
