"""Enrolment (P3, B3) and dynamic management (DM1–DM3) through the services and the pages."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from jiuzhu.benefits import services
from jiuzhu.benefits.models import ChangeKind, DishonestyRecord, Enrolment, EnrolmentStatus
from jiuzhu.benefits.selectors import current_enrolment
from jiuzhu.cases.services import intake, steps
from jiuzhu.core import clock
from jiuzhu.core.errors import Forbidden, NotFound, PeriodLocked, TransitionNotAllowed, ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.payments.models import LedgerEntry
from tests.helpers import (
    ERMALU,
    approved,
    client_for,
    d,
    enrolled,
    legacy_duplicate,
    make_case,
    make_household,
    meeting,
    member,
    run_payroll,
    to_investigated,
    user,
)

pytestmark = pytest.mark.django_db
DEC, JAN = date(2026, 12, 1), date(2027, 1, 1)


def test_P3_approved_case_becomes_an_enrolment_from_the_next_month_with_its_basis():
    case = approved(make_case(make_household()))
    e = case.enrolment
    assert e.start_month == DEC and e.status == EnrolmentStatus.ACTIVE  # approved 2026-11-20
    assert e.amount == Decimal("1040.00") and e.covered_members == 2
    assert "低保标准 520.00" in e.basis and "计入收入 0.00 元" in e.basis
    assert e.next_review_on == date(2027, 6, 1)  # 低保 reviewed half-yearly (parameter default)
    assert [c.kind for c in e.changes.all()] == [ChangeKind.START]
    assert not e.payable  # no bank account yet


def test_rejected_and_temporary_cases_are_not_enrolled():
    case = to_investigated()
    steps.decide(by=user("ab_approver"), case=case, data=meeting(outcome="reject", reasons="收入超标"))
    temp = approved(
        make_case(make_household(), assistance_type="linshi_expense", requested_amount="1500"), amount="1500"
    )
    assert not Enrolment.objects.filter(case__in=[case, temp]).exists()


def test_B2_tekun_needs_an_assessment_and_pays_basic_plus_care():
    h = make_household(members=[member("陈守义", id_kw={"birth": "19440611"})])
    case = to_investigated(make_case(h, assistance_type="tekun"))
    with pytest.raises(ValidationFailed) as exc:
        steps.decide(by=user("ab_approver"), case=case, data=meeting())
    assert "自理能力评估" in exc.value.message
    services.assess_for_case(
        by=user("ab_caseworker"),
        case=case,
        member=h.members.get(),
        data=services.AssessmentInput(
            assessed_on=d("2026-11-10"),
            unmet=["bathe", "walk", "toilet"],
            care_form="dispersed",
            assessors="王、李",
        ),
    )
    with pytest.raises(ValidationFailed) as exc:  # a level is not raised at will
        steps.decide(by=user("ab_approver"), case=case, data=meeting(amount="1945"))
    assert "1,145.00" in exc.value.message
    steps.decide(by=user("ab_approver"), case=case, data=meeting())
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-12"))
    steps.finalize(by=user("ab_approver"), case=case, on=d("2026-11-20"))
    e = case.enrolment
    assert e.amount == Decimal("1145.00") and e.selfcare_level == "partial" and e.care_form == "dispersed"
    assert e.next_review_on == date(2027, 12, 1)  # 特困 yearly (parameter default)


def test_B2_level_changes_only_through_a_new_assessment_from_next_month():
    h = make_household(members=[member("陈守义", id_kw={"birth": "19440611"})])
    case = to_investigated(make_case(h, assistance_type="tekun"))
    data = services.AssessmentInput(
        assessed_on=d("2026-11-10"), unmet=[], care_form="dispersed", assessors="王"
    )
    services.assess_for_case(by=user("ab_caseworker"), case=case, member=h.members.get(), data=data)
    steps.decide(by=user("ab_approver"), case=case, data=meeting())
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-12"))
    steps.finalize(by=user("ab_approver"), case=case, on=d("2026-11-20"))
    e = case.enrolment
    assert e.amount == Decimal("945.00")
    with pytest.raises(ValidationFailed):  # no increase by review for 特困: only by assessment
        services.periodic_review(
            by=user("ab_caseworker"),
            enrolment=e,
            data=services.ReviewInput(done_on=d("2026-11-20"), outcome="increase", findings="年老体弱"),
        )
    services.reassess(
        by=user("ab_caseworker"),
        enrolment=e,
        member=h.members.get(),
        data=services.AssessmentInput(
            assessed_on=d("2026-11-20"),
            unmet=["eat", "dress", "bed", "toilet"],
            care_form="centralised",
            assessors="王",
        ),
    )
    e.refresh_from_db()
    assert e.amount == Decimal("945.00") and e.next_amount == Decimal("1845.00") and e.next_from == DEC
    assert e.selfcare_level == "unable" and e.changes.filter(kind=ChangeKind.LEVEL).exists()


def test_B3_bank_account_is_encrypted_masked_and_its_reveal_logged():
    e = enrolled(account="6217 0000 1234 5678 901")
    assert e.account_masked == "6217 **** **** 8901"
    assert "6217000012345678901" not in e.account_cipher
    raw = Enrolment.objects.filter(pk=e.pk).values_list("account_cipher", flat=True).get()
    assert "8901" not in raw
    page = client_for("ab_caseworker").get(f"/benefits/{e.pk}/").content.decode()
    assert "6217 **** **** 8901" in page and "6217000012345678901" not in page
    r = client_for("js_auditor").post(f"/benefits/{e.pk}/reveal-account/")
    assert "6217000012345678901" in r.content.decode()
    assert AuditEvent.objects.filter(action="pii.reveal_account", actor=user("js_auditor")).exists()
    with pytest.raises(Forbidden):
        services.account_reveal(by=user("ab_assistant"), enrolment=e)
    with pytest.raises(ValidationFailed):
        services.bank_account_set(
            by=user("ab_caseworker"), enrolment=e, bank_name="", holder="x", account="12ab"
        )
    assert e.changes.filter(kind=ChangeKind.BANK).count() == 1


def _add_income(enrolment, amount: str) -> None:
    from jiuzhu.registry.services.income_assets import income_add

    income_add(
        by=user("ab_caseworker"),
        household=enrolment.household,
        category="wage",
        description="子女务工",
        monthly_amount=amount,
    )


def test_DM1_decrease_takes_effect_next_month_with_a_notice_and_never_changes_a_closed_month():
    e = enrolled()
    clock.freeze(datetime(2026, 12, 1, 9))
    run_payroll(month="2026-12-01")
    clock.freeze(datetime(2026, 12, 10, 9))
    _add_income(e, "600")
    with pytest.raises(ValidationFailed) as typed:  # D-016: a typed amount must equal the differential
        services.periodic_review(
            by=user("ab_caseworker"),
            enrolment=e,
            data=services.ReviewInput(
                done_on=d("2026-12-10"), outcome="decrease", findings="x", new_amount="500"
            ),
        )
    assert "440.00" in typed.value.message
    review = services.periodic_review(
        by=user("ab_caseworker"),
        enrolment=e,
        data=services.ReviewInput(
            done_on=d("2026-12-10"),
            outcome="decrease",
            findings="子女外出务工，月收入 600 元",
            new_amount="440",
        ),
    )
    e.refresh_from_db()
    assert e.amount == Decimal("1040.00") and e.next_amount == Decimal("440.00") and e.next_from == JAN
    assert "600.00" in e.basis and "440.00" in e.basis  # the basis explains what January pays
    assert LedgerEntry.objects.get(enrolment=e, month=DEC).amount == Decimal("1040.00")
    change = review.change
    assert change.kind == ChangeKind.DECREASE and change.needs_notice
    r = client_for("ab_caseworker").post(f"/benefits/{e.pk}/changes/{change.pk}/notice/")
    change.refresh_from_db()
    assert r.status_code == 302 and change.notice_document is not None
    assert change.notice_document.kind == "adjustment_notice"
    clock.freeze(datetime(2027, 1, 1, 9))
    run_payroll(month="2027-01-01")
    assert LedgerEntry.objects.get(enrolment=e, month=JAN).amount == Decimal("440.00")
    assert LedgerEntry.objects.get(enrolment=e, month=DEC).amount == Decimal("1040.00")


def test_DM1_increase_recalculated_from_current_income_when_no_amount_given():
    from jiuzhu.registry.services.income_assets import income_add

    h = make_household()
    income_add(
        by=user("ab_caseworker"), household=h, category="wage", description="打零工", monthly_amount="400"
    )
    e = enrolled(h)
    assert e.amount == Decimal("640.00")  # 520 × 2 − the 400 registered
    h.incomes.update(excluded=True)
    services.periodic_review(
        by=user("ab_caseworker"),
        enrolment=e,
        data=services.ReviewInput(done_on=d("2026-11-20"), outcome="increase", findings="务工收入中断"),
    )
    e.refresh_from_db()
    assert e.next_amount == Decimal("1040.00") and e.next_from == DEC and "520.00" in e.basis


def test_DM1_stop_with_gradual_exit_pays_through_the_period():
    e = enrolled()
    services.periodic_review(
        by=user("ab_caseworker"),
        enrolment=e,
        data=services.ReviewInput(
            done_on=d("2026-11-20"), outcome="stop", findings="家庭收入超过标准", gradual_exit=True
        ),
    )
    e.refresh_from_db()
    assert e.status == EnrolmentStatus.GRADUAL_EXIT and e.end_month == date(
        2027, 5, 1
    )  # 6 months (parameter, default since 2023-10)
    assert e.gradual_exit_from == DEC
    e2 = enrolled()
    services.periodic_review(
        by=user("ab_caseworker"),
        enrolment=e2,
        data=services.ReviewInput(done_on=d("2026-11-20"), outcome="stop", findings="家庭收入超过标准"),
    )
    e2.refresh_from_db()
    assert e2.end_month == date(2026, 11, 1)  # never paid from December


def test_DM1_refuses_bad_input_and_changes_nothing():
    e = enrolled()
    before = e.version
    for data in (
        services.ReviewInput(done_on=d("2026-11-20"), outcome="", findings="x"),
        services.ReviewInput(done_on=d("2026-11-20"), outcome="keep", findings=" "),
        services.ReviewInput(done_on=d("2026-11-21"), outcome="keep", findings="x"),
        services.ReviewInput(done_on=d("2026-11-20"), outcome="decrease", findings="x", new_amount="2000"),
    ):
        with pytest.raises(ValidationFailed):
            services.periodic_review(by=user("ab_caseworker"), enrolment=e, data=data)
    e.refresh_from_db()
    assert e.version == before and not e.reviews.exists()


def test_suspend_resume_and_DM3_fraud_leaves_a_dishonesty_record():
    e = enrolled()
    services.suspend(by=user("ab_caseworker"), enrolment=e, reason="群众举报，核查期间暂停")
    e.refresh_from_db()
    assert e.status == EnrolmentStatus.SUSPENDED and e.suspended_from == DEC
    services.resume(by=user("ab_caseworker"), enrolment=e, reason="举报不实")
    services.terminate(
        by=user("ab_approver"),
        enrolment=e,
        kind="fraud",
        reason="隐瞒经营收入",
        on=d("2026-11-19"),
        to_recover="2080",
    )
    e.refresh_from_db()
    assert e.status == EnrolmentStatus.TERMINATED
    record = DishonestyRecord.objects.get(enrolment=e)
    assert record.to_recover == Decimal("2080.00") and record.household_id == e.household_id
    page = client_for("js_bureau").get("/benefits/dishonesty/").content.decode()
    assert "隐瞒经营收入" in page
    with pytest.raises(ValidationFailed):
        services.resume(by=user("ab_caseworker"), enrolment=e, reason="")


def test_intake_check_flags_a_member_already_enrolled():
    e = enrolled()
    head = e.household.members.get(relation="head")
    other = make_household(members=[member("赵小花")], address="另一户")
    legacy_duplicate(other, "王大山", _id_of(head))  # in two households since before the A1 rule
    case = make_case(other, assistance_type="linshi_expense", requested_amount="800")
    assert any(
        c.code == "enrolled" and "城" not in c.message and "农村最低生活保障" in c.message
        for c in case.checks.all()
    )


def _id_of(m) -> str:
    from jiuzhu.core import crypto
    from jiuzhu.registry.identity import ID_PURPOSE

    return crypto.decrypt(m.id_cipher, purpose=ID_PURPOSE)


def test_M1_changes_that_affect_payment_are_refused_after_the_export_day():
    e = enrolled()
    clock.freeze(datetime(2026, 11, 26, 9))
    with pytest.raises(PeriodLocked) as exc:
        services.suspend(by=user("ab_caseworker"), enrolment=e, reason="外出")
    assert "25日已导出发放名单" in exc.value.message
    r = client_for("ab_caseworker").post(f"/benefits/{e.pk}/suspend/", {"suspend-reason": "外出"})
    assert r.status_code == 422 and "25日已导出发放名单" in r.content.decode()
    e.refresh_from_db()
    assert e.status == EnrolmentStatus.ACTIVE


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("ab_caseworker", 302),
        ("ab_approver", 302),
        ("js_bureau", 302),
        ("js_finance", 403),
        ("ab_assistant", 403),
        ("emr_caseworker", 404),
        ("qj_bureau", 404),
        ("js_auditor", 403),
    ],
)
def test_role_and_scope_on_dynamic_management(username, expected):
    e = enrolled()
    r = client_for(username).post(f"/benefits/{e.pk}/suspend/", {"suspend-reason": "核查"})
    assert r.status_code == expected
    e.refresh_from_db()
    assert (e.status == EnrolmentStatus.SUSPENDED) == (expected == 302)


def test_lists_filter_export_and_keep_scope():
    anbang = enrolled()
    no_account = enrolled(account=None)
    ermalu = enrolled(
        make_household(by="emr_caseworker", area="230502004001", address="光明社区1号"),
        assistance_type="dibao_urban",
    )
    assert ermalu.township_code == ERMALU
    page = client_for("ab_caseworker").get("/benefits/").content.decode()
    assert f"/benefits/{anbang.pk}/" in page and f"/benefits/{ermalu.pk}/" not in page
    page = client_for("js_bureau").get("/benefits/?account=missing").content.decode()
    assert f"/benefits/{no_account.pk}/" in page and f"/benefits/{anbang.pk}/" not in page
    r = client_for("js_bureau").get("/benefits/?export=xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    with pytest.raises(NotFound):
        from jiuzhu.benefits.selectors import get_enrolment

        get_enrolment(user("emr_caseworker"), anbang.pk)
    due = client_for("ab_caseworker").get("/benefits/reviews-due/?days=400").content.decode()
    assert f"/benefits/{anbang.pk}/" in due


def test_form_error_keeps_what_was_typed():
    e = enrolled()
    r = client_for("ab_caseworker").post(
        f"/benefits/{e.pk}/bank/",
        {"bank-bank_name": "农商行", "bank-holder": "王大山", "bank-account": "12345"},
    )
    body = r.content.decode()
    assert r.status_code == 422 and "12–30 位数字" in body and 'value="农商行"' in body


def test_api_enrolments_and_review():
    e = enrolled()
    _add_income(e, "440")
    c = client_for("ab_caseworker")
    r = c.get("/api/v1/enrolments?account=&status=live")
    assert r.status_code == 200 and any(i["id"] == e.pk for i in r.json()["items"])
    r = c.post(
        f"/api/v1/enrolments/{e.pk}/reviews",
        {"done_on": "2026-11-20", "outcome": "decrease", "findings": "收入增加", "new_amount": "600"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["next_amount"] == "600.00"
    r = c.post(
        f"/api/v1/enrolments/{e.pk}/reviews",
        {"done_on": "2026-11-20", "outcome": "bogus", "findings": "x"},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid"
    assert client_for("emr_caseworker").get(f"/api/v1/enrolments/{e.pk}").status_code == 404


def test_accepting_new_applications_goes_on_during_the_freeze():
    clock.freeze(datetime(2026, 11, 27, 9))
    case = make_case(make_household(), applied_on=d("2026-11-27"))
    from tests.helpers import complete_intake

    complete_intake(case)
    intake.accept(by=user("ab_caseworker"), case=case, accepted_on=d("2026-11-27"))
    assert case.status == "accepted"
    with pytest.raises(TransitionNotAllowed):
        approved(make_case(make_household()), final_on="2026-11-27")


def test_DM1_a_stopped_enrolment_leaves_the_rolls_after_its_last_month():
    """A stop (or the end of 渐退) keeps the status and sets the last month paid; from the month after, the
    household is off the rolls everywhere staff look: the 在保 list, the API, the page and the intake check."""
    e = enrolled()
    services.periodic_review(
        by=user("ab_caseworker"),
        enrolment=e,
        data=services.ReviewInput(done_on=d("2026-11-20"), outcome="stop", findings="家庭收入超过标准"),
    )

    def listed(status: str) -> list[int]:
        r = client_for("ab_caseworker").get(f"/api/v1/enrolments?status={status}")
        assert r.status_code == 200, r.content.decode()
        return [row["id"] for row in r.json()["items"]]

    assert e.pk in listed("live") and e.pk not in listed("terminated")  # November is still its month
    clock.freeze(datetime(2026, 12, 2, 9))
    assert e.pk not in listed("live") and e.pk not in listed("active") and e.pk in listed("terminated")
    c = client_for("ab_caseworker")
    body = c.get(f"/api/v1/enrolments/{e.pk}").json()
    assert body["on_rolls"] is False and body["status_label"] == "已停发（发放至2026年11月）"
    page = c.get(f"/benefits/{e.pk}/").content.decode()
    assert "已停发（发放至2026年11月）" in page and "—（已不在保）" in page  # no review falls due any more
    assert current_enrolment(e.household_id) is None  # a new application is not refused as already receiving
