"""A5: the verified monthly income is compared with the income registered for the household; a difference
above the parameter (percent) is flagged on the case for the caseworker to look into."""

from __future__ import annotations

import pytest

from jiuzhu.cases.services import steps
from jiuzhu.registry.services.income_assets import income_add
from tests.helpers import accept, client_for, d, make_case, make_household, user

pytestmark = pytest.mark.django_db


def _verifying(registered: str):
    household = make_household()
    income_add(
        by=user("ab_caseworker"),
        household=household,
        category="wage",
        description="务工",
        monthly_amount=registered,
    )
    case = accept(make_case(household))
    steps.verify_request(by=user("ab_caseworker"), case=case, on=d("2026-11-04"))
    return case


def _result(case, income: str):
    fields = {
        "completed_on": "2026-11-06",
        "result": "pass",
        "monthly_income": income,
        "per_capita_income": "450",
        "assets_value": "0",
        "findings": "已核对",
    }
    client_for("ab_verifier").post(
        f"/cases/{case.pk}/act/verify_result/", {f"verify_result-{k}": v for k, v in fields.items()}
    )
    return case.verifications.get()


def test_A5_a_verified_income_far_from_the_registered_one_is_flagged_on_the_case():
    case = _verifying("900")
    v = _result(case, "1500")  # 67 % above the registered 900 (parameter: 20 %)
    assert v.income_flagged and v.registered_income == 900
    page = client_for("ab_caseworker").get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="income-flag"' in page and "900.00" in page and "1,500.00" in page


def test_A5_a_verified_income_close_to_the_registered_one_is_not_flagged():
    case = _verifying("900")
    v = _result(case, "1000")  # 11 %
    assert v.completed_on is not None and not v.income_flagged
    page = client_for("ab_caseworker").get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="income-flag"' not in page
