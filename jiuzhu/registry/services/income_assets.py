"""What a household lives on, as registered: its monthly income items (some excluded from the count by
policy, with the basis) and its assets. The counted income per covered member is what the 低保 calculation
and the warning rules read (`selectors.income_summary`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from jiuzhu.core import audit, clock
from jiuzhu.core.dates import ensure_not_future
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.money import to_yuan
from jiuzhu.core.problems import Problems, optional_amount
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.models import (
    Asset,
    AssetKind,
    ExpenseKind,
    Household,
    IncomeCategory,
    IncomeItem,
    Member,
    RigidExpense,
)
from jiuzhu.registry.services.households import bump, lock

# Sanity bounds against typing errors (an extra zero), not policy numbers.
MAX_MONTHLY_INCOME = Decimal("1000000")
MAX_ASSET_VALUE = Decimal("10000000000")


@transaction.atomic
def income_add(
    *,
    by: User,
    household: Household,
    category: str,
    description: str,
    monthly_amount: object,
    member: Member | None = None,
    excluded: bool = False,
    excluded_reason: str = "",
    started_on: date | None = None,
) -> IncomeItem:
    """`started_on`: the day a new job began, for the N2 exemption of its first months' wage."""
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, household.area_code)
    household = lock(household)
    problems = Problems()
    if category not in IncomeCategory.values:
        problems.add("category", "请选择收入类别")
    if not description.strip():
        problems.add("description", "请填写收入说明")
    amount = None
    try:
        amount = to_yuan(monthly_amount, label="月均金额", maximum=MAX_MONTHLY_INCOME)
    except ValidationFailed as exc:
        problems.add("monthly_amount", exc.message)
    if excluded and not excluded_reason.strip():
        problems.add("excluded_reason", "政策规定不计入的收入须注明依据")
    if member is not None and member.household_id != household.pk:
        problems.add("member", "成员不属于本户")
    if started_on is not None:
        if category != IncomeCategory.WAGE:
            problems.add("started_on", "开始就业日期只适用于工资性收入")
        if member is None:
            problems.add("member", "新就业收入须注明就业的成员")
        try:
            ensure_not_future(started_on, "开始就业日期", field="started_on")
        except ValidationFailed as exc:
            problems.add("started_on", exc.message)
    problems.raise_if_any("收入信息有误，未保存")
    assert amount is not None  # raise_if_any refused a wrong amount
    bump(household, None)
    household.save()
    item = IncomeItem.objects.create(
        household=household,
        member=member,
        category=category,
        description=description.strip(),
        monthly_amount=amount,
        excluded=excluded,
        excluded_reason=excluded_reason.strip(),
        started_on=started_on,
        created_at=clock.now(),
    )
    audit.record(
        actor=by,
        membership=membership,
        action="household.income_add",
        obj=household,
        after={
            "category": category,
            "description": description,
            "monthly_amount": amount,
            "excluded": excluded,
            "started_on": started_on,
        },
    )
    return item


@transaction.atomic
def income_remove(*, by: User, item: IncomeItem) -> None:
    _remove_item(
        by=by,
        item=item,
        action="household.income_remove",
        before={
            "category": item.category,
            "description": item.description,
            "monthly_amount": item.monthly_amount,
        },
    )


@transaction.atomic
def asset_add(
    *,
    by: User,
    household: Household,
    kind: str,
    description: str,
    value: object = None,
    quantity: object = None,
    unit: str = "",
    member: Member | None = None,
) -> Asset:
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, household.area_code)
    household = lock(household)
    problems = Problems()
    if kind not in AssetKind.values:
        problems.add("kind", "请选择财产类别")
    if not description.strip():
        problems.add("description", "请填写财产说明")
    amount = optional_amount(value, "估值", problems, "value", maximum=MAX_ASSET_VALUE)
    qty = optional_amount(quantity, "数量/面积", problems, "quantity", maximum=MAX_ASSET_VALUE)
    if member is not None and member.household_id != household.pk:
        problems.add("member", "成员不属于本户")
    problems.raise_if_any("财产信息有误，未保存")
    bump(household, None)
    household.save()
    asset = Asset.objects.create(
        household=household,
        member=member,
        kind=kind,
        description=description.strip(),
        value=amount,
        quantity=qty,
        unit=unit.strip(),
        created_at=clock.now(),
    )
    audit.record(
        actor=by,
        membership=membership,
        action="household.asset_add",
        obj=household,
        after={"kind": kind, "description": description, "value": amount},
    )
    return asset


@transaction.atomic
def asset_remove(*, by: User, asset: Asset) -> None:
    _remove_item(
        by=by,
        item=asset,
        action="household.asset_remove",
        before={"kind": asset.kind, "description": asset.description, "value": asset.value},
    )


@transaction.atomic
def expense_add(
    *,
    by: User,
    household: Household,
    kind: str,
    description: str,
    amount: object,
    paid_on: date | None,
    member: Member | None = None,
) -> RigidExpense:
    """Rigid spending paid by the household (N1, N2): medical costs out of pocket, disability care,
    schooling. Counties may deduct it from income; the 刚性支出困难 test adds up the last 12 months."""
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, household.area_code)
    household = lock(household)
    problems = Problems()
    if kind not in ExpenseKind.values:
        problems.add("kind", "请选择支出类别")
    if not description.strip():
        problems.add("description", "请填写支出说明")
    value = None
    try:
        value = to_yuan(amount, label="支出金额", maximum=MAX_ASSET_VALUE)
        if value <= 0:
            problems.add("amount", "支出金额应大于 0")
    except ValidationFailed as exc:
        problems.add("amount", exc.message)
    if paid_on is None:
        problems.add("paid_on", "请填写支出日期")
    else:
        try:
            ensure_not_future(paid_on, "支出日期", field="paid_on")
        except ValidationFailed as exc:
            problems.add("paid_on", exc.message)
    if member is not None and member.household_id != household.pk:
        problems.add("member", "成员不属于本户")
    problems.raise_if_any("刚性支出信息有误，未保存")
    assert value is not None and paid_on is not None  # raise_if_any refused the rest
    bump(household, None)
    household.save()
    expense = RigidExpense.objects.create(
        household=household,
        member=member,
        kind=kind,
        description=description.strip(),
        amount=value,
        paid_on=paid_on,
        created_at=clock.now(),
    )
    audit.record(
        actor=by,
        membership=membership,
        action="household.expense_add",
        obj=household,
        after={"kind": kind, "description": description.strip(), "amount": value, "paid_on": paid_on},
    )
    return expense


@transaction.atomic
def expense_remove(*, by: User, expense: RigidExpense) -> None:
    _remove_item(
        by=by,
        item=expense,
        action="household.expense_remove",
        before={"kind": expense.kind, "amount": expense.amount, "paid_on": expense.paid_on},
    )


def _remove_item(*, by: User, item: IncomeItem | Asset | RigidExpense, action: str, before: dict) -> None:
    """Remove one income, asset or spending row of a household: the household's version moves on (forms
    open on it go stale) and the removed values stay in the audit trail."""
    household = item.household
    membership = authz.require(by, Perm.HOUSEHOLD_EDIT, household.area_code)
    household = lock(household)
    bump(household, None)
    household.save()
    audit.record(actor=by, membership=membership, action=action, obj=household, before=before)
    item.delete()
