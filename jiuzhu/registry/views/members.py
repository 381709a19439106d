"""Pages of a household's members: adding one, correcting one (the ID number left blank keeps the stored
one), registering that one left, and revealing a full ID number (role-checked, audited)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core import clock
from jiuzhu.core.errors import RECOVERABLE
from jiuzhu.core.forms import apply_error
from jiuzhu.core.formtokens import one_time_form
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry import selectors
from jiuzhu.registry.forms import LeaveForm, MemberEditForm, MemberForm, TransferForm
from jiuzhu.registry.models import Relation
from jiuzhu.registry.services import members


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def member_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, household.area_code)
    form = MemberEditForm(
        request.POST or None,
        initial={"version": household.version, "relation": Relation.CHILD, "covered": True},
    )
    if request.method == "POST" and form.is_valid():
        try:
            members.member_add(
                by=request.user,
                household=household,
                data=form.to_input(),
                expected_version=form.cleaned_data["version"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已增加家庭成员")
            return redirect("household_detail", pk=household.pk)
    return render(
        request,
        "registry/simple_form.html",
        {
            "page_title": "增加家庭成员",
            "form": form,
            "back": household,
            "title": f"增加家庭成员：{household}",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, member.area_code)
    household = member.household
    initial = {f: getattr(member, f) for f in MemberForm.base_fields if hasattr(member, f)}
    # Neither the number nor the full birth date is put back into the form: beside the masked number the
    # birth date would complete it (mask rule, core.masking).
    initial |= {"id_number": "", "birth_date": None, "version": household.version}
    form = MemberEditForm(request.POST or None, initial=initial)
    form.fields["id_number"].required = False
    form.fields["id_number"].help_text = f"当前：{member.id_masked}。不修改请留空；更正时须完整录入新号码"
    if request.method == "POST" and form.is_valid():
        try:
            members.member_update(
                by=request.user,
                member=member,
                data=form.to_input(),
                expected_version=form.cleaned_data["version"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "成员信息已保存")
            return redirect("household_detail", pk=household.pk)
    leave = LeaveForm(initial={"version": household.version, "on": clock.today()})
    return render(
        request,
        "registry/member_form.html",
        {
            "page_title": "修改家庭成员",
            "form": form,
            "leave": leave,
            "member": member,
            "household": household,
        },
    )


@login_required
@require_POST
def member_leave(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, member.area_code)
    form = LeaveForm(request.POST)
    if form.is_valid():
        try:
            members.member_leave(
                by=request.user,
                member=member,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except RECOVERABLE as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{member.name}已登记离户")
    else:
        messages.error(request, "请填写离户日期和原因")
    return redirect("household_detail", pk=member.household_id)


@login_required
@require_POST
def member_reveal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The "show full number" action: role-checked and written to the audit trail."""
    member = selectors.get_member(request.user, pk)
    number = members.member_reveal_id(by=request.user, member=member)
    return HttpResponse(f'<span class="jz-mono" data-testid="full-id">{number}</span>')


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def member_transfer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """迁移 (A1): find the household the person joins (in the user's scope), then relation, date, reason."""
    member = selectors.get_member(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, member.area_code)
    household = member.household
    source = request.POST if request.method == "POST" else request.GET
    target = selectors.get_household(request.user, source["to"]) if source.get("to") else None
    q, idn = request.GET.get("q", "").strip(), request.GET.get("id_number", "").strip()
    found = []
    if target is None and (q or idn):
        found = list(
            selectors.search_households(request.user, q=q[:60], id_number=idn[:20]).exclude(pk=household.pk)[
                :30
            ]
        )
    form = TransferForm(
        request.POST or None,
        initial={
            "version": household.version,
            "to": target.pk if target else None,
            "on": clock.today(),
            "relation": Relation.OTHER,
        },
    )
    if request.method == "POST" and target is not None and form.is_valid():
        d = form.cleaned_data
        try:
            moved = members.member_transfer(
                by=request.user,
                member=member,
                to_household=target,
                on=d["on"],
                relation=d["relation"],
                reason=d["reason"],
                expected_version=d["version"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"{member.name}已从{household}迁入{target}")
            return redirect("household_detail", pk=moved.household_id)
    return render(
        request,
        "registry/member_transfer.html",
        {
            "page_title": "成员迁移",
            "member": member,
            "household": household,
            "target": target,
            "found": found,
            "searched": bool(q or idn),
            "q": q,
            "id_number": idn,
            "form": form,
        },
    )
