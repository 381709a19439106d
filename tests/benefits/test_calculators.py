"""B1, B2 and temporary aid: amounts with their written basis; every number a parameter."""

from datetime import date
from decimal import Decimal

import pytest

from jiuzhu.benefits import calculators
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.services import param_set
from tests.helpers import JIANSHAN, make_household, user

pytestmark = pytest.mark.django_db
DEC = date(2026, 12, 1)


def test_B1_standard_600_three_members_income_1000_gives_800():
    r = calculators.dibao(standard=Decimal("600"), counted_income=Decimal("1000"), covered=3)
    assert r.amount == Decimal("800.00")
    assert "600.00" in r.breakdown and "333.33" in r.breakdown and "× 3 人 = 800.00" in r.breakdown


def test_B1_no_per_head_rounding_leaks_into_the_amount():
    # 1000 / 3 = 333.33…; (600 − 333.33) × 3 would give 800.01
    r = calculators.dibao(standard=Decimal("600"), counted_income=Decimal("1000"), covered=3)
    assert r.amount == Decimal("800.00")


def test_B1_income_at_or_above_the_standard_gives_nothing_and_says_why():
    r = calculators.dibao(standard=Decimal("600"), counted_income=Decimal("1800"), covered=3)
    assert r.amount == 0 and "不符合低保条件" in r.breakdown


def test_B1_optional_floor():
    r = calculators.dibao(
        standard=Decimal("600"), counted_income=Decimal("1790"), covered=3, floor=Decimal("50")
    )
    assert r.amount == Decimal("50") and "保底" in r.breakdown


def test_B1_household_uses_the_standard_in_force_for_the_month_and_its_counted_income():
    from jiuzhu.registry.services.income_assets import income_add

    h = make_household()  # two covered members in 安邦乡 (rural standard 520 in the demo)
    income_add(
        by=user("ab_caseworker"), household=h, category="wage", description="打零工", monthly_amount="300"
    )
    r = calculators.dibao_for_household(h, assistance_type="dibao_rural", county_code=JIANSHAN, month=DEC)
    assert r.amount == Decimal("740.00")  # 520 × 2 − 300
    param_set(
        by=user("js_admin"),
        key="dibao.standard.rural",
        scope_code=JIANSHAN,
        effective_from=DEC,
        value="560.00",
        reason="测试：新标准",
    )
    r = calculators.dibao_for_household(h, assistance_type="dibao_rural", county_code=JIANSHAN, month=DEC)
    assert r.amount == Decimal("820.00")
    r = calculators.dibao_for_household(
        h, assistance_type="dibao_rural", county_code=JIANSHAN, month=date(2026, 11, 1)
    )
    assert r.amount == Decimal("740.00")  # November keeps the old standard


@pytest.mark.parametrize(("unmet", "level"), [(0, "able"), (3, "partial"), (4, "unable"), (6, "unable")])
def test_B2_self_care_level_from_unmet_items(unmet, level):
    assert calculators.selfcare_level(unmet, area_code=JIANSHAN, on=DEC) == level


def test_B2_thresholds_are_parameters():
    param_set(
        by=user("js_admin"),
        key="tekun.selfcare.unable_min_unmet",
        scope_code=JIANSHAN,
        effective_from=DEC,
        value=3,
        reason="测试",
    )
    assert calculators.selfcare_level(3, area_code=JIANSHAN, on=DEC) == "unable"


def test_B2_amount_is_basic_plus_care_for_level_and_form():
    r = calculators.tekun(level="partial", care_form="dispersed", area_code=JIANSHAN, month=DEC)
    assert r.amount == Decimal("1145.00")  # demo: 845 + 300
    assert "845.00" in r.breakdown and "300.00" in r.breakdown and "分散供养" in r.breakdown
    assert (
        calculators.tekun(level="unable", care_form="centralised", area_code=JIANSHAN, month=DEC).amount
        == 1845
    )


def test_temporary_aid_within_parameterised_limits():
    assert calculators.temporary(amount=Decimal("1500"), area_code=JIANSHAN, on=DEC).amount == 1500
    with pytest.raises(ValidationFailed) as exc:
        calculators.temporary(amount=Decimal("50"), area_code=JIANSHAN, on=DEC)
    assert "100.00–20,000.00" in exc.value.message
