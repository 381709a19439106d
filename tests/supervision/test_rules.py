"""S6: every warning rule fires on a case that must fire and stays silent on one that must not; scans
upsert, resolve automatically and reopen."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from jiuzhu.benefits import services as benefits
from jiuzhu.cases.models_steps import Decision
from jiuzhu.cases.services import intake, steps
from jiuzhu.core import clock
from jiuzhu.core.services import param_set
from jiuzhu.registry.services.income_assets import income_add
from jiuzhu.registry.services.relatives import RelativeInput, relative_add
from jiuzhu.supervision import scan as scanning
from jiuzhu.supervision.models import Alert, AlertStatus
from jiuzhu.supervision.rules import RULES
from tests.helpers import (
    ANBANG,
    ANBANG_VILLAGE,
    JIANSHAN,
    accept,
    d,
    legacy_duplicate,
    make_case,
    make_household,
    meeting,
    member,
    new_id,
    to_investigated,
    user,
)

pytestmark = pytest.mark.django_db


def run(rule: str, area: str = JIANSHAN):
    scanning.scan(by=user("js_inspector"), area_code=area, rules=[rule])
    return Alert.objects.filter(rule=rule)


def fired(rule: str, case=None, household=None, area: str = JIANSHAN) -> bool:
    qs = run(rule, area).filter(status=AlertStatus.OPEN)
    if case is not None:
        qs = qs.filter(case=case)
    if household is not None:
        qs = qs.filter(household=household)
    return qs.exists()


def approved_dibao(amount: str, income: str | None = None, household=None):
    household = household or make_household()
    if income is not None:
        income_add(
            by=user("ab_caseworker"),
            household=household,
            category="wage",
            description="务工",
            monthly_amount=income,
        )
    case = to_investigated(make_case(household))
    steps.decide(by=user("ab_approver"), case=case, data=meeting())  # the calculator's amount (B1)
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-12"))
    steps.finalize(by=user("ab_approver"), case=case, on=d("2026-11-20"))
    # Approval refuses an amount off the formula (D-016); a wrong one still reaches the data from the old
    # system's import or a later income change, which is what the rule is for.
    Decision.objects.filter(case=case).update(amount=Decimal(amount))
    return case


def test_S6_registry_lists_active_and_waiting_rules():
    assert {r.code for r in RULES.values() if r.active} >= {
        "near_relative_unfiled",
        "person_two_households",
        "person_two_open_cases",
        "dibao_not_differential",
        "standard_below_guidance",
        "case_past_deadline",
        "no_home_visit",
        "documents_missing",
        "income_above_standard",
    }
    assert not [r.code for r in RULES.values() if not r.active]  # the enrolment rules run too


def test_S6_DM2_near_relative_without_filing_fires_and_filing_silences_it():
    relative_id = new_id(birth="19700101")
    household = make_household(members=[member("赵亲属", id_number=relative_id)])
    other = make_household()
    relative = relative_add(
        by=user("ab_caseworker"),
        area_code=ANBANG,
        data=RelativeInput(
            official_name="王春燕",
            official_role="staff",
            official_unit="安邦乡人民政府",
            relative_name="赵亲属",
            relative_id=relative_id,
            relation="兄弟",
            registered_on=d("2026-01-05"),
        ),
    )
    case = make_case(household)
    quiet = make_case(other)
    assert fired("near_relative_unfiled", case)
    assert not fired("near_relative_unfiled", quiet)
    intake.file_near_relative(
        by=user("ab_caseworker"), case=case, relative=relative, note="已备案", filed_on=d("2026-11-03")
    )
    assert not fired("near_relative_unfiled", case)
    assert Alert.objects.get(rule="near_relative_unfiled", case=case).status == AlertStatus.RESOLVED


def test_S6_same_person_in_two_households():
    shared = new_id(birth="19650505")
    first = make_household(members=[member("钱某", id_number=shared)])
    second = make_household(members=[member("孙某")])
    legacy_duplicate(second, "钱某", shared, "sibling")
    alone = make_household()
    assert fired("person_two_households", household=first)
    assert fired("person_two_households", household=second)
    assert not fired("person_two_households", household=alone)


def test_S6_same_person_in_two_open_cases():
    household = make_household()
    first = make_case(household, assistance_type="dibao_rural")
    second = make_case(household, assistance_type="linshi_expense", requested_amount="500")
    quiet = make_case()
    assert fired("person_two_open_cases", first) and fired("person_two_open_cases", second)
    assert not fired("person_two_open_cases", quiet)


def test_S4_B1_dibao_amount_must_equal_the_differential():
    # 尖山 rural standard 520 (from 2023-07); two covered members, counted income 900 → (520 − 450) × 2 = 140.
    wrong = approved_dibao("600.00", income="900.00")
    right = approved_dibao("140.00", income="900.00")
    within_a_fen = approved_dibao("140.01", income="900.00")
    assert fired("dibao_not_differential", wrong)
    alert = Alert.objects.get(rule="dibao_not_differential", case=wrong)
    assert "140.00" in alert.detail and "600.00" in alert.detail
    assert not fired("dibao_not_differential", right)
    assert not fired("dibao_not_differential", within_a_fen)


def test_S4_B1_excluded_income_does_not_count():
    household = make_household()
    item = income_add(
        by=user("ab_caseworker"),
        household=household,
        category="transfer",
        description="残疾人补贴",
        monthly_amount="300",
    )
    type(item).objects.filter(pk=item.pk).update(excluded=True, excluded_reason="政策规定不计入")
    case = approved_dibao("1040.00", household=household)  # 520 × 2, nothing counted
    assert not fired("dibao_not_differential", case)


def test_S4_income_at_or_above_the_standard_still_approved():
    rich = approved_dibao("100.00")
    income_add(  # the income rose after approval: 550 a head ≥ 520
        by=user("ab_caseworker"),
        household=rich.household,
        category="wage",
        description="务工",
        monthly_amount="1100",
    )
    poor = approved_dibao("140.00", income="900.00")
    assert fired("income_above_standard", rich)
    assert not fired("income_above_standard", poor)


def test_S4_standard_below_the_provincial_guidance():
    assert not fired("standard_below_guidance")  # 尖山 520 ≥ 420 rural, 690 ≥ 600 urban
    param_set(
        by=user("js_bureau"),
        key="dibao.standard.rural",
        scope_code=JIANSHAN,
        effective_from=date(2026, 11, 1),
        value="400.00",
        reason="测试",
    )
    alerts = run("standard_below_guidance")
    alert = alerts.get(status=AlertStatus.OPEN)
    assert alert.area_code == JIANSHAN and alert.township_code == "" and "400.00" in alert.detail
    assert not alerts.filter(subject_key__contains="dibao_urban").exists()


def test_P7_case_past_its_deadline():
    late = make_case(applied_on=d("2026-09-25"))
    accept(
        late, on="2026-09-28"
    )  # 20 working days after 2026-09-28 (National Day holidays) → due late October
    timely = make_case()
    accept(timely)
    assert fired("case_past_deadline", late)
    assert not fired("case_past_deadline", timely)


def test_P7_verification_time_does_not_count():
    case = make_case(applied_on=d("2026-10-15"))
    accept(case, on="2026-10-16")
    steps.verify_request(by=user("ab_caseworker"), case=case, on=d("2026-10-19"))
    # still verifying: 1 working day used
    assert not fired("case_past_deadline", case)


def test_I1_new_case_without_a_home_visit():
    unvisited = make_case(applied_on=d("2026-10-20"))
    accept(unvisited, on="2026-10-21")  # more than 10 working days ago
    visited = to_investigated(make_case(applied_on=d("2026-10-20")))
    fresh = make_case()
    accept(fresh, on="2026-11-18")
    assert fired("no_home_visit", unvisited)
    assert not fired("no_home_visit", visited)
    assert not fired("no_home_visit", fresh)


def test_A3_accepted_case_with_missing_documents():
    complete = make_case()
    accept(complete)
    incomplete = make_case()
    accept(incomplete)
    incomplete.signatures.first().delete()
    not_accepted_yet = make_case()  # missing everything, but not accepted: intake's own business
    assert fired("documents_missing", incomplete)
    assert "1 项" in Alert.objects.get(rule="documents_missing", case=incomplete).detail
    assert not fired("documents_missing", complete)
    assert not fired("documents_missing", not_accepted_yet)


def test_S6_scan_upserts_resolves_and_reopens():
    case = make_case()
    accept(case)
    signature = case.signatures.first()
    signature_values = {
        "member_id": signature.member_id,
        "kind": signature.kind,
        "signed_on": signature.signed_on,
    }
    signature.delete()
    assert fired("documents_missing", case)
    first = Alert.objects.get(rule="documents_missing", case=case)
    assert fired("documents_missing", case)  # the second scan updates the same row
    assert Alert.objects.filter(rule="documents_missing", case=case).count() == 1
    assert Alert.objects.get(pk=first.pk).first_seen_at == first.first_seen_at
    case.signatures.create(**signature_values, created_at=first.first_seen_at)
    run("documents_missing")
    first.refresh_from_db()
    assert first.status == AlertStatus.RESOLVED and first.resolved_at is not None
    case.signatures.filter(kind=signature_values["kind"], member_id=signature_values["member_id"]).delete()
    run("documents_missing")
    first.refresh_from_db()
    assert first.status == AlertStatus.OPEN and first.reopened_count == 1


def test_S6_scan_is_scoped_to_the_area():
    case = make_case()
    accept(case)
    case.signatures.first().delete()
    scanning.scan(by=user("js_inspector"), area_code="230502004000", rules=["documents_missing"])  # 二马路
    assert not Alert.objects.filter(case=case).exists()
    scanning.scan(by=user("js_inspector"), area_code=ANBANG, rules=["documents_missing"])
    assert Alert.objects.filter(case=case).exists()
    assert ANBANG_VILLAGE.startswith(ANBANG[:9])


def test_S4_N2_the_income_warnings_count_income_by_the_county_rules():
    """New-job wages within their first months (N2) do not count: the household is neither warned as above
    the standard nor as approved off the differential; from the month they count, it is."""
    above = approved_dibao("1040.00")  # 520 × 2, nothing counted
    head = above.household.members.get(relation="head")
    income_add(
        by=user("ab_caseworker"),
        household=above.household,
        category="wage",
        description="新就业",
        monthly_amount="1100",  # 550 a head ≥ 520, but not counted through January (3 months)
        member=head,
        started_on=d("2026-11-01"),
    )
    household = make_household()
    income_add(
        by=user("ab_caseworker"),
        household=household,
        category="wage",
        description="新就业",
        monthly_amount="400",
        member=household.members.get(relation="head"),
        started_on=d("2026-11-01"),
    )
    exempt = approved_dibao("1040.00", household=household)  # the calculator's amount for December
    assert not fired("income_above_standard", above)
    assert not fired("dibao_not_differential", exempt)
    clock.freeze(datetime(2027, 2, 3, 9))
    assert fired("income_above_standard", above)


def test_DM1_N2_a_household_already_stopped_or_in_gradual_exit_is_not_warned_as_above_the_standard():
    rich = approved_dibao("100.00")
    income_add(
        by=user("ab_caseworker"),
        household=rich.household,
        category="wage",
        description="务工",
        monthly_amount="1100",
    )
    assert fired("income_above_standard", rich)
    benefits.periodic_review(
        by=user("ab_caseworker"),
        enrolment=rich.enrolment,
        data=benefits.ReviewInput(
            done_on=d("2026-11-20"), outcome="stop", findings="务工收入超过标准", gradual_exit=True
        ),
    )
    assert not fired("income_above_standard", rich)
