"""What staff post from the case page, one view per action: intake (materials, signatures, notices, refusal,
acceptance, withdrawal, checks, near-relative filings) and every step after it (`act`, driven by
`views_steps.ACTIONS`). Each calls its service and comes back to the case page, or shows the form again with
what was typed and every error beside its field."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from jiuzhu.cases import forms_steps as f
from jiuzhu.cases import selectors
from jiuzhu.cases.forms import (
    AcceptForm,
    MaterialForm,
    RefuseForm,
    SignatureForm,
    WithdrawForm,
)
from jiuzhu.cases.services import intake, steps
from jiuzhu.cases.transitions import TRANSITIONS
from jiuzhu.cases.views import back_to_case, case_page, done_redirect, filing_form, form_with_errors
from jiuzhu.cases.views_steps import ACTIONS, form_for, show_error
from jiuzhu.core.errors import RECOVERABLE, NotFound
from jiuzhu.core.forms import apply_error
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest


@login_required
@require_POST
def material_receive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    form = MaterialForm(request.POST)
    if form.is_valid():
        requirement = selectors.requirement(form.cleaned_data["requirement"])
        member = selectors.household_member(case, form.cleaned_data["member"])
        try:
            intake.material_receive(
                by=request.user,
                case=case,
                requirement=requirement,
                member=member,
                received_on=form.cleaned_data["received_on"],
                note=form.cleaned_data["note"],
                scan=request.FILES.get("scan"),
            )
        except RECOVERABLE as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已登记收到：{requirement.name}")
    else:
        messages.error(request, "请填写收到日期")
    return back_to_case(case)


@login_required
@require_POST
def material_remove(request: AuthenticatedHttpRequest, pk: int, material_pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    material = selectors.material_of(case, material_pk)
    try:
        intake.material_remove(
            by=request.user, material=material, reason=request.POST.get("reason", "登记有误")
        )
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
    return back_to_case(case)


@login_required
@require_POST
def signature_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    form = SignatureForm(request.POST)
    if form.is_valid():
        member = selectors.household_member(case, form.cleaned_data["member"])
        if member is None:
            raise NotFound()
        try:
            intake.signature_record(
                by=request.user,
                case=case,
                member=member,
                kind=form.cleaned_data["kind"],
                signed_on=form.cleaned_data["signed_on"],
            )
        except RECOVERABLE as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "请填写签署日期")
    return back_to_case(case)


@login_required
@require_POST
def notify_missing(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    try:
        notice = intake.notify_missing(by=request.user, case=case)
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
        return back_to_case(case)
    messages.success(request, "已出具一次性告知书，请打印交申请人")
    return redirect("case_notice", pk=case.pk, notice_pk=notice.pk)


@login_required
@require_POST
def refuse(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    form = RefuseForm(request.POST)
    if form.is_valid():
        try:
            notice = intake.refuse(
                by=request.user, case=case, reasons=form.cleaned_data["reasons"].splitlines()
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已作出不予受理决定，请打印告知书交申请人")
            return redirect("case_notice", pk=case.pk, notice_pk=notice.pk)
    return case_page(request, case, bound={"refuse": form})


@login_required
@require_POST
def accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            intake.accept(
                by=request.user,
                case=case,
                accepted_on=form.cleaned_data["accepted_on"],
                expected_version=form.cleaned_data["version"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已受理")
            return back_to_case(case)
    return case_page(request, case, bound={"accept": form})


@login_required
@require_POST
def withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            intake.withdraw(
                by=request.user, case=case, on=form.cleaned_data["on"], reason=form.cleaned_data["reason"]
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "申请已撤回")
            return back_to_case(case)
    return case_page(request, case, bound={"withdraw": form})


@login_required
@require_POST
def rerun_checks(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    found = intake.rerun_checks(by=request.user, case=case)
    messages.info(request, f"检查完成：{len(found)} 项提示" if found else "检查完成：未发现问题")
    return back_to_case(case)


@login_required
@require_POST
def file_near_relative(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    relative = selectors.near_relative_of(case, request.POST.get("relative", ""))
    form = filing_form(relative.pk, request.POST)
    if form.is_valid():
        try:
            intake.file_near_relative(
                by=request.user,
                case=case,
                relative=relative,
                filed_on=form.cleaned_data["filed_on"],
                note=form.cleaned_data["note"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已完成近亲属备案")
            return done_redirect(request, case)
    return form_with_errors(request, case, "filing", form)


@login_required
@require_POST
def act(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    if action not in ACTIONS:
        raise NotFound()
    authz.require(request.user, TRANSITIONS[action].perm_on(case), case.area_code)
    form = form_for(action, case, request.POST)
    if form.is_valid():
        try:
            ACTIONS[action].run(request, case, form.cleaned_data, form)
        except RECOVERABLE as exc:
            show_error(form, exc)
        else:
            messages.success(request, ACTIONS[action].done)
            return done_redirect(request, case)
    return form_with_errors(request, case, action, form)


@login_required
@require_POST
def mark_disputed(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    form = f.DisputeForm(request.POST)
    try:
        steps.mark_disputed(by=request.user, case=case, reason=form.data.get("reason", ""))
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已标记为有争议，审批前须进行民主评议")
    return redirect(reverse("case_detail", args=[case.pk]) + "#steps")
