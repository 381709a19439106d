"""The household page's income and asset forms: a failed form comes back on the household page, bound,
keeping what was typed (422); deleting an item finds it through its household's scope."""

from __future__ import annotations

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
from jiuzhu.registry.services import income_assets
from jiuzhu.registry.views.households import detail_page


@login_required
@require_POST
@one_time_form
def income_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, household.area_code)
    form = IncomeForm(request.POST, members=list(selectors.active_members(household)))
    if form.is_valid():
        d = form.cleaned_data
        try:
            income_assets.income_add(
                by=request.user,
                household=household,
                category=d["category"],
                description=d["description"],
                monthly_amount=d["monthly_amount"],
                member=selectors.active_member(household, d["member"]) if d["member"] else None,
                excluded=d["excluded"],
                excluded_reason=d["excluded_reason"],
                started_on=d["started_on"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记收入")
            return redirect(f"/registry/households/{household.pk}/#income")
    messages.error(request, "收入信息有误，未保存，请按提示修改")
    return detail_page(request, household, income_form=form, status=422)


@login_required
@require_POST
def income_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_income_item(request.user, pk)
    income_assets.income_remove(by=request.user, item=item)
    messages.success(request, "已删除收入记录")
    return redirect(f"/registry/households/{item.household_id}/#income")


@login_required
@require_POST
@one_time_form
def asset_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, household.area_code)
    form = AssetForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            income_assets.asset_add(
                by=request.user,
                household=household,
                kind=d["kind"],
                description=d["description"],
                value=d["value"],
                quantity=d["quantity"],
                unit=d["unit"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记财产")
            return redirect(f"/registry/households/{household.pk}/#assets")
    messages.error(request, "财产信息有误，未保存，请按提示修改")
    return detail_page(request, household, asset_form=form, status=422)


@login_required
@require_POST
def asset_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    asset = selectors.get_asset(request.user, pk)
    income_assets.asset_remove(by=request.user, asset=asset)
    messages.success(request, "已删除财产记录")
    return redirect(f"/registry/households/{asset.household_id}/#assets")


@login_required
@require_POST
@one_time_form
def expense_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, household.area_code)
    form = ExpenseForm(request.POST, members=list(selectors.active_members(household)))
    if form.is_valid():
        d = form.cleaned_data
        try:
            income_assets.expense_add(
                by=request.user,
                household=household,
                kind=d["kind"],
                description=d["description"],
                amount=d["amount"],
                paid_on=d["paid_on"],
                member=selectors.active_member(household, d["member"]) if d["member"] else None,
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记刚性支出")
            return redirect(f"/registry/households/{household.pk}/#expenses")
    messages.error(request, "刚性支出信息有误，未保存，请按提示修改")
    return detail_page(request, household, expense_form=form, status=422)


@login_required
@require_POST
def expense_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    expense = selectors.get_expense(request.user, pk)
    income_assets.expense_remove(by=request.user, expense=expense)
    messages.success(request, "已删除刚性支出记录")
    return redirect(f"/registry/households/{expense.household_id}/#expenses")
