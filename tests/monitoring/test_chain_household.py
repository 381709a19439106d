"""One assistance chain per household (一户一条救助链): the household's applications, decisions, enrolment
changes, monthly payments (collapsed into runs), emergency and temporary aid and other departments' entries,
in time order; the repeated-need warning on the chain (any department) and as a supervision rule (民政's
temporary aid) with its period a parameter."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from jiuzhu.cases.services import steps
from jiuzhu.core import clock
from jiuzhu.core.services import param_set
from jiuzhu.monitoring import chain_types
from jiuzhu.monitoring.chain_types import ChainEntry
from jiuzhu.supervision import scan
from jiuzhu.supervision.models import Alert, ScanTrigger
from tests.helpers import (
    ANBANG,
    approved,
    client_for,
    complete_intake,
    make_case,
    make_household,
    payable_world,
    run_payroll,
    user,
)

pytestmark = pytest.mark.django_db


def _chain(household, username="ab_caseworker") -> str:
    r = client_for(username).get(f"/monitoring/households/{household.pk}/chain/")
    assert r.status_code == 200
    return r.content.decode()


def test_chain_shows_application_decision_enrolment_and_payments_collapsed_by_month():
    enrolment = payable_world()[0]
    run_payroll(month="2026-12-01")
    clock.freeze(datetime(2027, 1, 2, 9))
    run_payroll(month="2027-01-01")
    page = _chain(enrolment.household)
    assert enrolment.case.number in page
    assert "批准农村最低生活保障" in page
    assert "纳入保障" in page
    # two months at one amount are one line
    assert "农村最低生活保障按月发放 2026-12 至 2027-01" in page
    assert page.count("按月发放 2026-12") == 1
    # in time order: the application before the decision before the payments
    assert page.index("申请农村最低生活保障") < page.index("批准农村最低生活保障") < page.index("按月发放")
    body = client_for("ab_caseworker").get(f"/api/v1/households/{enrolment.household_id}/chain").json()
    assert [e["on"] for e in body["entries"]] == sorted(e["on"] for e in body["entries"])
    assert any(e["kind"] == "assistance" and e["need"] == "basic" for e in body["entries"])


def test_chain_is_on_the_household_page_and_scoped():
    enrolment = payable_world()[0]
    page = client_for("ab_caseworker").get(f"/registry/households/{enrolment.household_id}/").content.decode()
    assert 'data-testid="chain-panel"' in page and "纳入保障" in page
    assert (
        client_for("emr_caseworker")
        .get(f"/monitoring/households/{enrolment.household_id}/chain/")
        .status_code
        == 404
    )
    assert (
        client_for("emr_caseworker").get(f"/api/v1/households/{enrolment.household_id}/chain").status_code
        == 404
    )


def _aid_twice():
    """Emergency aid paid on 1 June, then temporary aid (支出型) approved on 20 November: 172 days apart."""
    household = make_household()
    first = complete_intake(
        make_case(
            household,
            assistance_type="linshi_emergency",
            requested_amount="2000",
            applied_on=date(2026, 6, 1),
        )
    )
    at = timezone.make_aware(datetime(2026, 6, 1, 9))
    steps.emergency_aid(by=user("ab_approver"), case=first, requested_at=at, paid_at=at, amount="1500")
    second = approved(
        make_case(household, assistance_type="linshi_expense", requested_amount="1000"), amount="1000"
    )
    return household, first, second


def _scan():
    scan.scan(by=None, area_code="", trigger=ScanTrigger.NIGHTLY)


def test_temporary_aid_twice_within_the_period_warns_on_the_chain_and_as_a_rule():
    household, _, second = _aid_twice()
    page = _chain(household)
    assert "急难型临时救助先行救助" in page and "批准支出型临时救助" in page
    assert 'data-testid="repeated-need"' in page and "172 天内两次救助" in page
    _scan()
    alert = Alert.objects.get(rule="temporary_aid_twice", household_id=household.pk)
    assert alert.case_id == second.pk and alert.status == "open"
    assert "2026-06-01" in alert.detail and "365 天" in alert.detail
    # the township's own period (90 days) puts the two aids apart: no warning on the chain, the alert resolved
    param_set(
        by=user("js_admin"),
        key="monitoring.same_need_days",
        scope_code=ANBANG,
        effective_from=date(2026, 1, 1),
        value=90,
        reason="本乡规定",
    )
    assert 'data-testid="repeated-need"' not in _chain(household)
    _scan()
    alert.refresh_from_db()
    assert alert.status == "resolved"


def test_one_aid_per_household_is_no_warning():
    _, first, _ = _aid_twice()
    other = approved(
        make_case(make_household(), assistance_type="linshi_expense", requested_amount="800"), amount="800"
    )
    _scan()
    households = set(Alert.objects.filter(rule="temporary_aid_twice").values_list("household_id", flat=True))
    assert other.household_id not in households and first.household_id in households


def test_other_departments_entries_join_the_chain_and_the_repeated_need_check(monkeypatch):
    """A source the watch part registers (a referral answered by 医保 with aid) sits in the same chain; the
    same medical need met by 医保 and by 民政 within the period is a warning."""
    household = make_household()

    def referrals(h):
        if h.pk != household.pk:
            return []
        return [
            ChainEntry(
                on=date(2026, 9, 1), kind="referral", title="转介医疗救助", need="medical", department="民政"
            ),
            ChainEntry(
                on=date(2026, 9, 20),
                kind="assistance",
                title="医疗救助",
                need="medical",
                department="医保",
                amount="¥3,000.00",
            ),
            ChainEntry(
                on=date(2026, 10, 5),
                kind="assistance",
                title="临时救助（医疗费用）",
                need="medical",
                department="民政",
            ),
        ]

    monkeypatch.setattr(chain_types, "chain_sources", [*chain_types.chain_sources, referrals])
    from jiuzhu.monitoring import chain

    monkeypatch.setattr(chain, "chain_sources", chain_types.chain_sources)
    page = _chain(household)
    table = page.split('data-testid="chain"')[1]
    assert table.index("转介医疗救助") < table.index(">医疗救助<") < table.index("临时救助（医疗费用）")
    assert "医疗需求在 15 天内两次救助" in page and "医保、民政" in page
    body = client_for("ab_caseworker").get(f"/api/v1/households/{household.pk}/chain").json()
    assert body["repeated_needs"][0]["need"] == "medical"
