"""The demo year (`load_demo --year`): the shape of the county it builds. The suite loads a small county (40
households instead of about 2 000) through the same command and the same walk; the full size is measured in
docs/operations.md."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from jiuzhu.core import clock

pytestmark = pytest.mark.django_db

SMALL = 40


@pytest.fixture
def year(settings, tmp_path):
    """Loaded with the 补录 limit as shipped: every step is entered on its own day, so none is a backfill."""
    from jiuzhu.core.models import ParameterValue

    shipped = json.loads(Path("jiuzhu/core/policy_defaults.json").read_text(encoding="utf-8"))
    value = next(e["value"] for e in shipped if e["key"] == "steps.backdate_working_days")
    ParameterValue.objects.filter(key="steps.backdate_working_days", scope_code="").update(value=value)
    out = StringIO()
    call_command("load_demo", "--year", "--households", str(SMALL), stdout=out)
    return out.getvalue()


def test_the_demo_year_has_its_shape(year):
    from jiuzhu.cases.models import Case, CaseStep
    from jiuzhu.cases.models_backfill import BackfillRequest
    from jiuzhu.core import audit
    from jiuzhu.payments.models import BackPay, BankFile, Payment, PayrollRun, Reconciliation
    from jiuzhu.registry.models import Household, Member

    print(year)  # the walk's counts, shown when an assertion fails
    assert "演示数据已载入" in year
    # The walk leaves the clock where it found it (the suite's frozen 20 November).
    assert clock.today() == date(2026, 11, 20)

    households = Household.objects.filter(area_code__startswith="230502")
    assert SMALL * 0.8 <= households.count() <= SMALL * 1.25  # and the few of the pre-delegation baseline
    assert Member.objects.filter(household__in=households).count() > households.count()

    cases = Case.objects.filter(county_code="230502000000")
    by_type = Counter(cases.values_list("assistance_type", flat=True))
    assert set(by_type) >= {"dibao_rural", "dibao_urban", "low_income", "linshi_expense", "tekun"}, by_type
    by_state = Counter(cases.values_list("status", flat=True))
    assert by_state["approved"] >= SMALL // 3, by_state
    assert {"rejected", "withdrawn"} <= set(by_state), by_state
    in_between = set(by_state) - {"approved", "rejected", "withdrawn"}
    assert in_between, by_state  # cases still under way today

    # S5: a baseline before 尖山区 delegated approval (2021-07-01), decided by the bureau on the two-level route,
    # so that the overview compares before and after.
    from jiuzhu.orgs.models import Jurisdiction
    from jiuzhu.supervision import kpis
    from tests.helpers import user

    before = cases.filter(decided_on__lt=date(2021, 7, 1), decision_working_days__isnull=False)
    assert before.count() >= 4 and {c.decision.route for c in before} == {"bureau"}
    townships = list(Jurisdiction.objects.filter(code__in=["230502200000", "230502004000"]))
    table = kpis.processing_times(user("js_bureau"), townships)
    assert all(row[2] > 0 and row[4] > 0 for row in table.rows), table.rows

    # Objections during a notice, re-examined and found unfounded.
    assert cases.filter(objections__isnull=False).exists()

    # 聊城: a small county on its own procedure, verified before the application (先核对、后申请).
    liaocheng = Case.objects.filter(county_code="371502000000")
    assert liaocheng.exists() and set(liaocheng.values_list("profile", flat=True)) == {"liaocheng"}
    assert CaseStep.objects.filter(case__in=liaocheng, kind="pre_verify").exists()
    # 綦江 打通镇 files its approvals with the bureau (备案) before the notice.
    qijiang = Case.objects.filter(county_code="500110000000")
    assert set(qijiang.values_list("profile", flat=True)) == {"qijiang"}
    assert CaseStep.objects.filter(case__in=qijiang, kind="file").exists()

    # Every step entered on its own day: none needed a 补录 request, and no step is dated after its entry.
    assert not BackfillRequest.objects.exists()
    for step in CaseStep.objects.filter(case__in=cases).select_related("case"):
        assert step.on == timezone.localdate(step.created_at), (step.kind, step.on, step.created_at)

    # Twelve complete payroll months before this one: ledger, bank file and reconciliation.
    reconciled = set(
        Reconciliation.objects.filter(county_code="230502000000").values_list("month", flat=True)
    )
    assert len(reconciled) >= 12, sorted(reconciled)
    done = set(
        PayrollRun.objects.filter(county_code="230502000000", status="done").values_list("month", flat=True)
    )
    assert reconciled <= done and len(done) >= 12
    exported = set(BankFile.objects.filter(county_code="230502000000").values_list("month", flat=True))
    assert reconciled <= exported
    # A few payments failed each so often, and their months were approved as 补发.
    assert Payment.objects.filter(county_code="230502000000", status="failed").exists()
    assert BackPay.objects.filter(county_code="230502000000", reason="failed", status="approved").exists()

    # Households in every township of 尖山区, each of which has its own staff.
    from jiuzhu.console.demo_year import TOWNSHIPS

    assert (
        {h.area_code[:9] + "000" for h in households}
        == set(TOWNSHIPS)
        == set(Jurisdiction.objects.filter(parent_id="230502000000").values_list("code", flat=True))
    )

    # Emergency aid paid first and registered after (P8); one registered past its deadline, which the
    # supervision scan flagged while it was overdue.
    from jiuzhu.cases.models import CaseNotice, NearRelativeFiling
    from jiuzhu.cases.models_steps import EmergencyAid
    from jiuzhu.supervision.models import Alert

    aids = EmergencyAid.objects.filter(case__county_code="230502000000")
    assert by_type["linshi_emergency"] >= 3 and aids.count() == by_type["linshi_emergency"], by_type
    assert aids.filter(registered_on__isnull=False, registration_late=False).exists()
    late = aids.get(registration_late=True)
    assert late.case.status == "approved" and late.registered_on > late.register_due_on
    assert Alert.objects.filter(rule="emergency_registration_overdue", case=late.case).exists()

    # Notices at the counter: one-time notices of what is missing (most then completed and accepted) and
    # written refusals of the clearly not eligible.
    notices = Counter(CaseNotice.objects.filter(case__in=cases).values_list("kind", flat=True))
    assert notices["missing_materials"] >= 1 and notices["not_eligible"] >= 1, notices
    assert by_state["not_accepted"] == notices["not_eligible"], by_state
    completed_later = cases.filter(notices__kind="missing_materials", steps__kind="accept")
    assert completed_later.exists()

    # DM2: close relatives of staff on the register applied, were flagged and filed before their decision.
    filings = NearRelativeFiling.objects.filter(case__in=cases)
    assert filings.count() >= 3
    for filing in filings.select_related("case"):
        assert filing.case.has_near_relative and filing.filed_on <= filing.case.decision.decided_on

    # DM1: periodic reviews with each outcome; every decrease, stop and 渐退 has its written notice; 渐退 where
    # a member's new work income lifted the household above the line (N2).
    from jiuzhu.benefits.models import EnrolmentChange, PeriodicReview
    from jiuzhu.registry.models import IncomeItem

    reviews = PeriodicReview.objects.filter(enrolment__county_code="230502000000")
    outcomes = Counter(reviews.values_list("outcome", flat=True))
    assert {"keep", "increase", "decrease", "stop"} <= set(outcomes), outcomes
    changes = EnrolmentChange.objects.filter(enrolment__county_code="230502000000")
    assert changes.filter(kind="stop", pk__in=reviews.values("change")).exists()  # a plain stop too
    gradual = changes.filter(kind="gradual_exit")
    steady_work = Q(category="wage", description="在本地企业稳定就业")
    assert gradual.exists(), Counter(changes.values_list("kind", flat=True))
    for change in gradual.select_related("enrolment"):
        assert change.enrolment.end_month >= change.effective_month
        assert change.enrolment.household.incomes.filter(category="wage", excluded=False).exists()
    assert gradual.filter(enrolment__household__incomes__in=IncomeItem.objects.filter(steady_work)).exists()
    noticed = changes.filter(kind__in=["decrease", "stop", "gradual_exit"], pk__in=reviews.values("change"))
    assert noticed.exists() and not noticed.filter(notice_document__isnull=True).exists()

    # S8: complaints followed to the bureau's return visit; S7: prompt letters, one escalated when its
    # deadline passed unanswered, each letter printed.
    from jiuzhu.supervision.models import Complaint, Matter, MatterStep

    visited = Complaint.objects.filter(status="closed").exclude(satisfaction="")
    assert visited.count() >= 5
    [matter] = Matter.objects.filter(steps__level="criticism")
    prompt, criticism = matter.steps.get(level="prompt"), matter.steps.get(level="criticism")
    assert prompt.answered_on is None and prompt.due_on < criticism.issued_on
    assert matter.level == "criticism" and matter.status == "closed" and criticism.answered_on is not None
    assert not MatterStep.objects.filter(level__in=["prompt", "criticism"], document__isnull=True).exists()

    # 比对: monthly department files imported (preview, then whole), every warning verified and resolved in
    # the ways the facts call for.
    from jiuzhu.monitoring.models.watch import MonitoringWarning

    warnings = MonitoringWarning.objects.filter(job__isnull=False, area_code__startswith="230502")
    resolved = Counter(warnings.filter(status="resolved").values_list("resolution", flat=True))
    assert {"none", "adjust", "refer", "enrol"} <= set(resolved), resolved
    assert warnings.filter(confirmed=False, resolution="none").exists()
    assert warnings.filter(resolution="enrol", case__channel="discovery").exists()

    # 莲湖 with its pilot streets, as in the quick demo.
    from jiuzhu.orgs.models import DelegationGrant

    pilots = DelegationGrant.objects.filter(township__parent_id="610104000000", phase="pilot")
    assert pilots.values("township").distinct().count() == 3

    # The audit chain is whole.
    reports = audit.verify_all()
    assert reports and all(r.ok for r in reports), [r.problem for r in reports if not r.ok]
