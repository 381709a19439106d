"""S9: the township scorecard follows the facts — a case overdue since an earlier month, a prompt letter
still unanswered past its deadline, a late emergency registration (P8), a step entered beyond the 补录 limit
and a warning marked handled while its condition is still there each deduct by their parameter, and the
score page shows each deduction with a link to its cause."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jiuzhu.cases.services import intake
from jiuzhu.supervision import scan as scanning
from jiuzhu.supervision.models import Alert, ScoreCard
from jiuzhu.supervision.services import alerts as alert_services
from jiuzhu.supervision.services import escalation, scores
from tests.helpers import ERMALU, JIANSHAN, client_for, complete_intake, make_case, make_household, user

pytestmark = pytest.mark.django_db

VILLAGE = "230502004001"


def _case(**kw):
    household = make_household(by="emr_caseworker", area=VILLAGE, address="光明社区1栋")
    kw.setdefault("assistance_type", "dibao_urban")
    return make_case(household, by="emr_caseworker", **kw)


def _card():
    scores.scorecards_compute(by=user("js_inspector"), county_code=JIANSHAN, month=date(2026, 11, 1))
    return ScoreCard.objects.get(township_code=ERMALU, month=date(2026, 11, 1))


def test_S9_each_deduction_follows_a_fact_and_links_to_its_cause():
    base = _card()
    assert base.score == Decimal("100.00")

    # P7: accepted 28 September, due in October, still undecided in November.
    overdue = _case(applied_on=date(2026, 9, 25))
    complete_intake(overdue, by="emr_caseworker")
    intake.accept(by=user("emr_caseworker"), case=overdue, accepted_on=date(2026, 9, 28))

    # S7: a prompt letter issued in October, its deadline passed, never answered.
    matter = escalation.matter_open(
        by=user("js_inspector"),
        township_code=ERMALU,
        title="档案不全",
        problem="多件申请缺少入户调查表",
        step=escalation.StepInput("prompt", date(2026, 10, 12), date(2026, 10, 26), "逐件补齐", "分管领导"),
    )

    # P8: aid paid on 10 November, registration due 17 November, not registered.
    aided = _case(assistance_type="linshi_emergency", requested_amount="1000")
    at = timezone.make_aware(datetime(2026, 11, 10, 9))
    from jiuzhu.cases.services import steps

    steps.emergency_aid(by=user("emr_approver"), case=aided, requested_at=at, paid_at=at, amount="800")

    # 补录: a step dated beyond the limit, through an approved request.
    from jiuzhu.cases.services.backfill import backfill_decide, backfill_request
    from jiuzhu.core.models import ParameterValue

    ParameterValue.objects.filter(key="steps.backdate_working_days", scope_code="").update(value=5)
    backfilled = _case(applied_on=date(2026, 11, 2))
    complete_intake(backfilled, by="emr_caseworker")
    req = backfill_request(
        by=user("emr_caseworker"),
        case=backfilled,
        action="accept",
        step_on=date(2026, 11, 3),
        reason="纸质补录",
    )
    backfill_decide(by=user("js_bureau"), request=req, approve=True)
    intake.accept(by=user("emr_caseworker"), case=backfilled, accepted_on=date(2026, 11, 3))

    # S6: the overdue-registration warning is marked handled, and the next scan still finds it.
    scanning.scan(by=user("js_inspector"), area_code=JIANSHAN, rules=["emergency_registration_overdue"])
    alert = Alert.objects.get(rule="emergency_registration_overdue", case=aided)
    alert_services.alert_handle(by=user("emr_caseworker"), alert=alert, note="已处理")
    from jiuzhu.core import clock

    clock.advance(timedelta(minutes=5))
    scanning.scan(by=user("js_inspector"), area_code=JIANSHAN, rules=["emergency_registration_overdue"])

    card = _card()
    by_component = {p.component: p for p in card.points.all()}
    assert set(by_component) >= {"timeliness", "matters", "emergency", "backfill", "handled_open"}
    assert by_component["timeliness"].case == overdue
    assert by_component["emergency"].case == aided
    assert by_component["backfill"].case == backfilled
    assert by_component["handled_open"].alert == alert
    assert by_component["matters"].matter == matter
    expected = Decimal("100") - sum((-p.points for p in card.points.all()), Decimal(0))
    assert card.score == expected and card.score < Decimal("100")

    page = client_for("js_inspector").get(f"/supervision/scores/{card.pk}/").content.decode()
    for label in (
        "办理时效",
        "督办逾期",
        "急难救助逾期补办登记",
        "超过补录期限登记",
        "预警标记已处理但问题仍在",
    ):
        assert label in page
    for case in (overdue, aided, backfilled):
        assert f"/cases/{case.pk}/" in page
    assert f"/supervision/alerts/{alert.pk}/" in page
    assert f"/supervision/matters/{matter.pk}/" in page
