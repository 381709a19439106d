"""M1: the monthly cycle on the server — decisions refused after the export day until next month's ledger."""

from datetime import datetime

import pytest

from jiuzhu.cases.services import steps
from jiuzhu.core import clock
from jiuzhu.core.errors import Forbidden, TransitionNotAllowed, ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.core.services import param_set
from jiuzhu.payments import cycle
from jiuzhu.payments.services import reopening
from tests.helpers import (
    JIANSHAN,
    client_for,
    d,
    make_case,
    make_household,
    meeting,
    run_payroll,
    to_investigated,
    user,
)

pytestmark = pytest.mark.django_db


def test_M1_decision_refused_on_day_26_and_accepted_after_the_ledger_of_the_1st():
    run_payroll(month="2026-11-01")  # the county works by the cycle: November's ledger exists
    case = to_investigated()
    clock.freeze(datetime(2026, 11, 25, 10))
    with pytest.raises(TransitionNotAllowed) as exc:  # approvals are complete by the 24th
        steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2026-11-25"))
    assert "24日前完成" in exc.value.message
    assert cycle.lock_reason(JIANSHAN) is None  # other payment changes are still open on the 25th
    clock.freeze(datetime(2026, 11, 26, 10))
    with pytest.raises(TransitionNotAllowed) as exc:
        steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2026-11-26"))
    assert "25日已导出发放名单" in exc.value.message and "受理、调查等业务照常办理" in exc.value.message
    r = client_for("ab_approver").get(f"/cases/{case.pk}/")
    assert "暂不可办理" in r.content.decode()
    clock.freeze(datetime(2026, 12, 1, 8))
    with pytest.raises(TransitionNotAllowed) as exc:  # the 1st, before the ledger is generated
        steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2026-12-01"))
    assert "台账尚未生成" in exc.value.message
    run_payroll(month="2026-12-01")
    steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2026-12-01"))
    assert case.status == "to_notice"


def test_M1_days_are_parameters():
    param_set(
        by=user("js_admin"),
        key="cycle.export_day",
        scope_code=JIANSHAN,
        effective_from=d("2026-11-01"),
        value=27,
        reason="本县银行27日报盘",
    )
    clock.freeze(datetime(2026, 11, 26, 10))
    assert cycle.lock_reason(JIANSHAN) is None
    clock.freeze(datetime(2026, 11, 28, 10))
    assert "27日已导出" in cycle.lock_reason(JIANSHAN)


def test_M1_bureau_reopens_with_a_logged_reason_and_closes():
    case = to_investigated()
    clock.freeze(datetime(2026, 11, 27, 10))
    with pytest.raises(Forbidden):
        reopening.reopen(by=user("js_finance"), county_code=JIANSHAN, reason="补办")
    with pytest.raises(ValidationFailed):
        reopening.reopen(by=user("js_bureau"), county_code=JIANSHAN, reason=" ")
    r = client_for("js_bureau").post(
        "/payments/reopen/", {"county": JIANSHAN, "reason": "低保户火灾，紧急审批"}
    )
    assert r.status_code == 302
    event = AuditEvent.objects.get(action="payroll.reopen", reason="低保户火灾，紧急审批")
    assert event.actor == user("js_bureau")
    steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2026-11-27"))
    reopening.close_reopen(by=user("js_bureau"), county_code=JIANSHAN)
    assert cycle.lock_reason(JIANSHAN) is not None


def test_M1_other_counties_are_not_affected_and_temporary_aid_goes_on():
    clock.freeze(datetime(2026, 11, 26, 10))
    case = make_case(
        make_household(),
        assistance_type="linshi_expense",
        requested_amount="1200",
        applied_on=d("2026-11-20"),
    )
    from tests.helpers import accept, investigate, verify

    accept(case, on="2026-11-21")
    verify(case, requested="2026-11-22", completed="2026-11-23")
    investigate(case, on="2026-11-24")
    steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2026-11-26", amount="1200"))
    assert case.status == "to_notice"


def test_M1_cycle_page_and_api_show_the_state():
    clock.freeze(datetime(2026, 11, 26, 10))
    page = client_for("js_finance").get("/payments/").content.decode()
    assert "业务冻结" in page and "25日已导出发放名单" in page
    r = client_for("ab_caseworker").get(f"/api/v1/payroll/cycle?county={JIANSHAN}")
    assert r.status_code == 200 and r.json()["locked"] is True and r.json()["export_day"] == 25
