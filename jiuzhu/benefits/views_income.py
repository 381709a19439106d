"""What the income rules add to the case page (N1, N2): the 单人保 choice on a 低保 case and the category of a
低收入 recognition (the preview before the decision, the stored category and its calculation after)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from jiuzhu.benefits import for_cases, single_cover
from jiuzhu.cases import selectors as case_selectors
from jiuzhu.core import clock
from jiuzhu.core.errors import RECOVERABLE
from jiuzhu.core.forms import BootstrapMixin
from jiuzhu.core.types import LowIncomeCategory
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry import selectors as registry


class SingleCoverForm(BootstrapMixin, forms.Form):
    member = forms.ChoiceField(label="单独纳入低保的成员")

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["member"])
        field.choices = [("", "请选择")] + [(m.pk, m.name) for m in members]


def single_cover_context(request: AuthenticatedHttpRequest, case) -> dict:
    cover = single_cover.cover_of(case)
    can_change = case.status in single_cover.OPEN_STATES and authz.can(
        request.user, Perm.CASE_PROCESS, case.area_code
    )
    form = None
    if can_change:
        form = SingleCoverForm(
            prefix="single",
            members=registry.active_members(case.household),
            initial={"member": cover.member_id if cover else ""},
        )
    return {"single_cover": cover, "single_form": form}


def low_income_panel(case) -> dict:
    decision = getattr(case, "decision", None)
    if decision is not None and decision.low_income_category:
        return {
            "case": case,
            "low_income": {
                "label": decision.get_low_income_category_display(),
                "text": decision.basis,
                "decided": True,
            },
        }
    result = for_cases.low_income_preview(case, clock.today())
    return {
        "case": case,
        "low_income": None
        if result is None
        else {"label": LowIncomeCategory(result.category).label, "text": result.text, "decided": False},
    }


@login_required
@require_POST
def single_cover_post(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Choose (or with `clear`, cancel) the member of a 单人保; a refusal says why and changes nothing."""
    case = case_selectors.get_case(request.user, pk)
    back = redirect(reverse("case_detail", args=[case.pk]) + "#benefit")
    try:
        if request.POST.get("clear"):
            single_cover.single_cover_clear(by=request.user, case=case)
            messages.success(request, "已取消单人保")
            return back
        form = SingleCoverForm(request.POST, prefix="single", members=registry.active_members(case.household))
        valid = form.is_valid()
        member = registry.active_member(case.household, form.cleaned_data["member"]) if valid else None
        if member is None:
            messages.error(request, "单人保未登记：请选择本户在户成员")
            return back
        cover = single_cover.single_cover_set(by=request.user, case=case, member=member)
    except RECOVERABLE as exc:
        messages.error(request, f"单人保未登记：{exc.message}")
        return back
    messages.success(request, f"已登记单人保：{cover.reason}")
    return back
