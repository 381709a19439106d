"""Types the whole system shares: assistance types (DOMAIN §2), the categories that delegation grants cover
(D1, D2), and the acting user of a core action."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

# The user acting in a core action (`by`): whatever `request.user` is (orgs' User, named by the base class core
# may know without importing orgs, a layer above). The permission port (`core.access`) refuses the anonymous.
Actor: TypeAlias = "AbstractBaseUser | AnonymousUser"


class Category(models.TextChoices):
    """What a delegation letter lists: 低保, 特困, 临时救助, 低收入 (seed 000 annex 2)."""

    DIBAO = "dibao", "最低生活保障"
    TEKUN = "tekun", "特困人员救助供养"
    LINSHI = "linshi", "临时救助"
    LOW_INCOME = "low_income", "低收入家庭认定"


class LowIncomeCategory(models.TextChoices):
    """The kind of a recognised low-income household (the 2023 opinion on dynamic monitoring; draft 社会救助法):
    which test of the recognition it passed. Kept on the approving decision of a 低收入 case."""

    EDGE = "edge", "低保边缘家庭"
    RIGID_EXPENSE = "rigid_expense", "刚性支出困难家庭"
    OTHER = "other", "其他低收入家庭"


class AssistanceType(models.TextChoices):
    DIBAO_URBAN = "dibao_urban", "城市最低生活保障"
    DIBAO_RURAL = "dibao_rural", "农村最低生活保障"
    TEKUN = "tekun", "特困人员救助供养"
    LINSHI_EXPENSE = "linshi_expense", "支出型临时救助"
    LINSHI_EMERGENCY = "linshi_emergency", "急难型临时救助"
    LOW_INCOME = "low_income", "低收入家庭认定"


CATEGORY_OF: dict[str, str] = {
    AssistanceType.DIBAO_URBAN: Category.DIBAO,
    AssistanceType.DIBAO_RURAL: Category.DIBAO,
    AssistanceType.TEKUN: Category.TEKUN,
    AssistanceType.LINSHI_EXPENSE: Category.LINSHI,
    AssistanceType.LINSHI_EMERGENCY: Category.LINSHI,
    AssistanceType.LOW_INCOME: Category.LOW_INCOME,
}

# Types paid every month (B3); the others are one-off or a recognition without cash.
MONTHLY_TYPES = frozenset({AssistanceType.DIBAO_URBAN, AssistanceType.DIBAO_RURAL, AssistanceType.TEKUN})
# Types under the statutory time limit (P7).
TIME_LIMITED_TYPES = frozenset(
    {
        AssistanceType.DIBAO_URBAN,
        AssistanceType.DIBAO_RURAL,
        AssistanceType.TEKUN,
        AssistanceType.LINSHI_EXPENSE,
    }
)


def category_of(assistance_type: str) -> str:
    return CATEGORY_OF[assistance_type]
