"""Pages of households: the searchable list (and its export), registering a household with its members,
the household page and changing the household's own data."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from jiuzhu.core.errors import RECOVERABLE, DomainError
from jiuzhu.core.exports import stream_rows, xlsx_response
from jiuzhu.core.forms import apply_error
from jiuzhu.core.formtokens import one_time_form
from jiuzhu.core.listing import paginate, wants_export
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry import hooks, reads, selectors
from jiuzhu.registry.forms import (
    AssetForm,
    BaseMemberFormSet,
    ExpenseForm,
    HouseholdEditForm,
    HouseholdForm,
    IncomeForm,
    MemberFormSet,
)
from jiuzhu.registry.models import Household, Relation, UrbanRural
from jiuzhu.registry.services import households


@login_required
@require_GET
def household_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    f = request.GET
    q = f.get("q", "").strip()
    export = wants_export(request)
    qs = selectors.search_households(
        request.user,
        q=q,
        id_number=f.get("id_number", "").strip(),
        area=f.get("area", ""),
        urban_rural=f.get("urban_rural", ""),
        match_limit=None if export else selectors.NAME_MATCH_LIMIT,
    )
    qs = qs.order_by("-id")
    if export:
        names = dict(Jurisdiction.objects.filter(level=Level.VILLAGE).values_list("code", "name"))
        return xlsx_response(
            "家庭登记",
            ["户主", "户主身份证号", "村（社区）", "住址", "城乡", "在户人数", "联系电话", "登记时间"],
            (
                (
                    h.head_name,
                    h.head_id_masked,
                    names.get(h.area_code, h.area_code),
                    h.address,
                    h.get_urban_rural_display(),
                    h.member_count,  # annotated by search_households
                    h.phone,
                    h.created_at,
                )
                for h in stream_rows(qs)
            ),
        )
    listing = paginate(request, qs)
    limited = bool(q) and listing.total >= selectors.NAME_MATCH_LIMIT
    return render(
        request,
        "registry/household_list.html",
        {
            "page_title": "家庭登记",
            "listing": listing,
            "match_limit": selectors.NAME_MATCH_LIMIT if limited else 0,
            "f": f,
            "areas": selectors.areas_for(request.user),
            "urban_rural": UrbanRural.choices,
            "can_add": authz.can(request.user, Perm.HOUSEHOLD_EDIT),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def household_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.HOUSEHOLD_EDIT)
    villages = selectors.villages_for(request.user)
    form = HouseholdForm(request.POST or None, villages=villages)
    formset = MemberFormSet(
        request.POST or None,
        prefix="m",
        initial=[{"relation": Relation.HEAD, "covered": True}] if request.method == "GET" else None,
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        d = form.cleaned_data
        try:
            household = households.household_create(
                by=request.user,
                area_code=d["area_code"],
                address=d["address"],
                urban_rural=d["urban_rural"],
                hukou_area_code=d["hukou_area_code"],
                hukou_address=d["hukou_address"],
                phone=d["phone"],
                members=formset.inputs(),
            )
        except RECOVERABLE as exc:
            _spread_member_errors(form, formset, exc)
        else:
            messages.success(request, f"已登记家庭：{household.address}")
            return redirect("household_detail", pk=household.pk)
    return render(
        request, "registry/household_form.html", {"page_title": "登记家庭", "form": form, "formset": formset}
    )


def _spread_member_errors(form: Form, formset: BaseMemberFormSet, exc: DomainError) -> None:
    """Field errors named members.<i>.<field> go to the i-th member form; the rest to the household form."""
    rest = {}
    for key, msgs in exc.field_errors.items():
        if key.startswith("members."):
            parts = key.split(".")
            if len(parts) == 3 and parts[1].isdigit():
                forms_with_data = [f for f in formset.forms if f.has_changed()]
                index = int(parts[1])
                if index < len(forms_with_data) and parts[2] in forms_with_data[index].fields:
                    for m in msgs:
                        forms_with_data[index].add_error(parts[2], m)
                    continue
        rest[key] = msgs
    form.add_error(None, exc.message)
    for key, msgs in rest.items():
        if key in form.fields:
            for m in msgs:
                form.add_error(key, m)


@login_required
@require_GET
def household_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household(request.user, pk)
    reads.household_read(by=request.user, household=household)  # a full read is logged like a reveal
    return detail_page(request, household)


def detail_page(
    request: AuthenticatedHttpRequest,
    household: Household,
    *,
    income_form: IncomeForm | None = None,
    asset_form: AssetForm | None = None,
    expense_form: ExpenseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The household page; a failed income or asset form comes back bound, keeping what was typed. Apps
    above the registry add their panels (cases: the household's applications)."""
    members = list(selectors.members_of(household))
    can_edit = authz.can(request.user, Perm.HOUSEHOLD_EDIT, household.area_code)
    context: dict[str, Any] = {
        "page_title": str(household),
        "household": household,
        "members": members,
        "village": Jurisdiction.objects.select_related("parent").filter(code=household.area_code).first(),
        "incomes": selectors.incomes_of(household),
        "assets": selectors.assets_of(household),
        "summary": selectors.income_summary(household),
        "household_panels": hooks.panels_for(request, household),
        "can_edit": can_edit,
        "can_reveal": authz.can(request.user, Perm.PII_REVEAL, household.area_code),
        "can_apply": authz.can(request.user, Perm.CASE_CREATE, household.area_code),
        "income_form": income_form or IncomeForm(members=[m for m in members if m.is_active]),
        "asset_form": asset_form or AssetForm(),
        "expenses": selectors.expenses_of(household),
        "expense_form": expense_form or ExpenseForm(members=[m for m in members if m.is_active]),
    }
    return render(request, "registry/household_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, household.area_code)
    initial = {name: getattr(household, name) for name in households.HOUSEHOLD_FIELDS} | {
        "version": household.version
    }
    form = HouseholdEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        version = d.pop("version")
        try:
            households.household_update(by=request.user, household=household, expected_version=version, **d)
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "家庭信息已保存")
            return redirect("household_detail", pk=household.pk)
    return render(
        request,
        "registry/simple_form.html",
        {
            "page_title": "修改家庭信息",
            "form": form,
            "back": household,
            "title": f"修改家庭信息：{household.address}",
        },
    )
