"""The household page's income, asset and rigid-spending forms: a failed form comes back on the household page,
bound, keeping what was typed (422); deleting an item finds it through its household's scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from jiuzhu.core.errors import RECOVERABLE
from jiuzhu.core.forms import apply_error
from jiuzhu.core.formtokens import one_time_form
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry import selectors
from jiuzhu.registry.forms import AssetForm, ExpenseForm, IncomeForm
from jiuzhu.registry.models import Household, Member
from jiuzhu.registry.services import income_assets
from jiuzhu.registry.views.households import detail_page


@dataclass(frozen=True)
class _Section:
    """One section of the household page with its add form."""

    form: Callable[..., forms.Form]
    context_name: str  # the bound form's name for `detail_page`
    anchor: str
    what: str  # 收入 / 财产 / 刚性支出
    with_members: bool = True


INCOME = _Section(IncomeForm, "income_form", "income", "收入")
ASSET = _Section(AssetForm, "asset_form", "assets", "财产", with_members=False)
EXPENSE = _Section(ExpenseForm, "expense_form", "expenses", "刚性支出")

Add = Callable[[Household, dict[str, Any], Member | None], object]


def _add(request: AuthenticatedHttpRequest, pk: int, section: _Section, add: Add) -> HttpResponse:
    household = selectors.get_household(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, household.area_code)
    if section.with_members:
        form = section.form(request.POST, members=list(selectors.active_members(household)))
    else:
        form = section.form(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        member = selectors.active_member(household, d["member"]) if d.get("member") else None
        try:
            add(household, d, member)
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已登记{section.what}")
            return redirect(f"/registry/households/{household.pk}/#{section.anchor}")
    messages.error(request, f"{section.what}信息有误，未保存，请按提示修改")
    bound: dict[str, Any] = {section.context_name: form}
    return detail_page(request, household, **bound, status=422)


def _removed(request: AuthenticatedHttpRequest, household_id: int, section: _Section) -> HttpResponse:
    messages.success(request, f"已删除{section.what}记录")
    return redirect(f"/registry/households/{household_id}/#{section.anchor}")


@login_required
@require_POST
@one_time_form
def income_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _add(
        request,
        pk,
        INCOME,
        lambda household, d, member: income_assets.income_add(
            by=request.user,
            household=household,
            category=d["category"],
            description=d["description"],
            monthly_amount=d["monthly_amount"],
            member=member,
            excluded=d["excluded"],
            excluded_reason=d["excluded_reason"],
            started_on=d["started_on"],
        ),
    )


@login_required
@require_POST
def income_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_income_item(request.user, pk)
    income_assets.income_remove(by=request.user, item=item)
    return _removed(request, item.household_id, INCOME)


@login_required
@require_POST
@one_time_form
def asset_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _add(
        request,
        pk,
        ASSET,
        lambda household, d, _member: income_assets.asset_add(
            by=request.user,
            household=household,
            kind=d["kind"],
            description=d["description"],
            value=d["value"],
            quantity=d["quantity"],
            unit=d["unit"],
        ),
    )


@login_required
@require_POST
def asset_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    asset = selectors.get_asset(request.user, pk)
    income_assets.asset_remove(by=request.user, asset=asset)
    return _removed(request, asset.household_id, ASSET)


@login_required
@require_POST
@one_time_form
def expense_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _add(
        request,
        pk,
        EXPENSE,
        lambda household, d, member: income_assets.expense_add(
            by=request.user,
            household=household,
            kind=d["kind"],
            description=d["description"],
            amount=d["amount"],
            paid_on=d["paid_on"],
            member=member,
        ),
    )


@login_required
@require_POST
def expense_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    expense = selectors.get_expense(request.user, pk)
    income_assets.expense_remove(by=request.user, expense=expense)
    return _removed(request, expense.household_id, EXPENSE)
