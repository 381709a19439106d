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
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry import selectors
from jiuzhu.registry.forms import AssetForm, IncomeForm
from jiuzhu.registry.services import income_assets
from jiuzhu.registry.views.households import detail_page


@login_required
@require_POST
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
