"""Pages for the landing page, accounts, jurisdictions, staff and delegation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.forms import Form
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.core import clock, filetypes
from jiuzhu.core.errors import RECOVERABLE, NotFound
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.forms import apply_error
from jiuzhu.core.formtokens import one_time_form
from jiuzhu.core.listing import choice_param, date_param, paginate, wants_export
from jiuzhu.core.models import AuditEvent
from jiuzhu.core.navigation import panels_for
from jiuzhu.core.selectors import events_for_object
from jiuzhu.core.types import Category
from jiuzhu.orgs import authz, mfa, services
from jiuzhu.orgs.delegation import grant_state_on, who_decides
from jiuzhu.orgs.forms import (
    DeactivateForm,
    GrantForm,
    MembershipEndForm,
    MembershipForm,
    MfaResetForm,
    PasswordResetForm,
    ReactivateForm,
    ResumeForm,
    RevokeForm,
    StaffForm,
    SuspendForm,
    TokenForm,
    WhoDecidesForm,
)
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import ApiToken, Level
from jiuzhu.orgs.roles import Perm, Role
from jiuzhu.orgs.selectors import (
    STATE_LABELS,
    counties_visible_to,
    get_account,
    get_grant,
    get_jurisdiction,
    get_membership,
    jurisdictions_visible_to,
    organisations_visible_to,
    rollout_table,
    staff_visible_to,
    townships_visible_to,
)

# --- accounts -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        scopes = ["read", "write"] if form.cleaned_data["write"] else ["read"]
        try:
            issued = services.token_issue(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=scopes,
                days=form.cleaned_data["days"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            form = TokenForm()
    return render(
        request,
        "orgs/account.html",
        {
            "page_title": "账号与令牌",
            "form": form,
            "issued": issued,
            "tokens": ApiToken.objects.filter(user=request.user),
            "mfa": {
                "enrolled": mfa.is_enrolled(request.user),
                "mandatory": mfa.is_mandatory(request.user),
                "codes_left": mfa.remaining_recovery_codes(request.user),
            },
        },
    )


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk, user=request.user).first()
    if token is None:
        raise NotFound()
    services.token_revoke(user=request.user, token=token)
    messages.success(request, f"令牌 {token.prefix}… 已作废")
    return redirect("account")


# --- landing ------------------------------------------------------------------------------------------


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A landing page per role: the panels the apps registered for the user's roles."""
    memberships = authz.memberships(request.user)
    sections = []
    for m in memberships:
        panels = []
        for panel in panels_for(m.role):
            rendered = panel(request, m)
            if rendered is not None:
                panels.append(rendered)
        sections.append((m, panels))
    return render(request, "orgs/home.html", {"page_title": "首页", "sections": sections})


def township_delegation_panel(request: HttpRequest, membership) -> tuple[str, dict] | None:
    """For township and village staff: which categories their township decides itself today."""
    code = membership.organisation.jurisdiction_id
    township_code = code[:9].ljust(12, "0")
    today = clock.today()
    routes = [who_decides(township_code=township_code, category=c, day=today) for c in Category.values]
    return "orgs/panels/township_delegation.html", {
        "routes": zip(Category.choices, routes, strict=True),
        "membership": membership,
    }


def bureau_rollout_panel(request: HttpRequest, membership) -> tuple[str, dict] | None:
    county = membership.organisation.jurisdiction
    if county.level != Level.COUNTY:
        return None
    rows = rollout_table(request.user, county=county, on=clock.today())
    delegated = sum(1 for r in rows for c in r.cells if c.state == "active")
    return "orgs/panels/bureau_rollout.html", {
        "county": county,
        "townships": len(rows),
        "delegated": delegated,
        "cells": len(rows) * len(Category.values),
    }


def recent_activity_panel(request: AuthenticatedHttpRequest, membership) -> tuple[str, dict] | None:

    events = AuditEvent.objects.filter(actor=request.user).order_by("-id")[:8]
    return "orgs/panels/recent_activity.html", {"events": events}


# --- jurisdictions and staff --------------------------------------------------------------------------


@login_required
@require_GET
def jurisdiction_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    qs = jurisdictions_visible_to(request.user).select_related("parent").order_by("code")
    if level := choice_param(request, "level", Level.values):
        qs = qs.filter(level=level)
    if q := request.GET.get("q", "").strip():
        qs = qs.filter(name__contains=q) | qs.filter(code__startswith=q)
    if wants_export(request):
        return xlsx_response(
            "行政区划",
            ["区划代码", "名称", "层级", "类别", "城乡", "上级"],
            (
                (
                    j.code,
                    j.name,
                    j.get_level_display(),
                    j.kind,
                    j.get_urban_rural_display(),
                    j.parent.name if j.parent else "",
                )
                for j in qs
            ),
        )
    listing = paginate(request, qs, per_page=100)
    return render(
        request,
        "orgs/jurisdictions.html",
        {
            "page_title": "行政区划",
            "listing": listing,
            "levels": Level.choices,
            "f": request.GET,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    qs = staff_visible_to(request.user)
    if role := request.GET.get("role"):
        qs = qs.filter(role=role)
    if area := request.GET.get("area"):
        qs = qs.filter(
            organisation__jurisdiction__code__startswith=get_jurisdiction(request.user, area).prefix
        )
    if q := request.GET.get("q", "").strip():
        qs = qs.filter(user__full_name__contains=q) | qs.filter(user__username__contains=q)
    state = request.GET.get("state", "")
    if state == "active":
        qs = qs.filter(is_active=True, user__is_active=True)
    elif state == "inactive":
        qs = qs.filter(Q(is_active=False) | Q(user__is_active=False))
    can_manage = authz.can(request.user, Perm.STAFF_MANAGE)
    orgs = list(organisations_visible_to(request.user).order_by("jurisdiction_id", "kind"))
    form = StaffForm(request.POST or None, organisations=orgs)
    if request.method == "POST":
        authz.require(request.user, Perm.STAFF_MANAGE)
    if request.method == "POST" and form.is_valid():
        org = next((o for o in orgs if str(o.pk) == form.cleaned_data["organisation"]), None)
        if org is None:
            raise NotFound()
        try:
            services.staff_create(
                by=request.user,
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"],
                organisation=org,
                role=form.cleaned_data["role"],
                phone=form.cleaned_data["phone"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已创建账号 {form.cleaned_data['username']}")
            return redirect("staff")
    if wants_export(request):
        return xlsx_response(
            "工作人员",
            ["用户名", "姓名", "单位", "区划", "岗位", "有效"],
            (
                (
                    m.user.username,
                    m.user.full_name,
                    m.organisation.name,
                    m.organisation.jurisdiction.name,
                    m.get_role_display(),
                    m.is_active and m.user.is_active,
                )
                for m in qs
            ),
        )
    return render(
        request,
        "orgs/staff.html",
        {
            "page_title": "工作人员",
            "listing": paginate(request, qs),
            "roles": Role.choices,
            "f": request.GET,
            "form": form,
            "can_manage": can_manage,
        },
    )


# action → (form key, permission): accounts are the system administrator's, roles and second factors the
# security administrator's (三员分立).
STAFF_ACTIONS = {
    "membership_add": ("membership", Perm.ROLE_MANAGE),
    "membership_end": ("end", Perm.ROLE_MANAGE),
    "deactivate": ("deactivate", Perm.STAFF_MANAGE),
    "reactivate": ("reactivate", Perm.STAFF_MANAGE),
    "password_reset": ("reset", Perm.STAFF_MANAGE),
    "mfa_reset": ("mfa", Perm.MFA_RESET),
}


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def staff_account(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One account: its roles, adding or ending a role, deactivation and a password reset."""
    account = get_account(request.user, pk)
    orgs = list(organisations_visible_to(request.user).order_by("jurisdiction_id", "kind"))
    forms = {
        "membership": MembershipForm(prefix="m", organisations=orgs),
        "end": MembershipEndForm(prefix="e"),
        "deactivate": DeactivateForm(prefix="d"),
        "reactivate": ReactivateForm(prefix="a"),
        "reset": PasswordResetForm(prefix="p"),
        "mfa": MfaResetForm(prefix="f"),
    }
    temporary = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in STAFF_ACTIONS:
            raise NotFound()
        key, perm = STAFF_ACTIONS[action]
        authz.require(request.user, perm)
        form_class = type(forms[key])
        kwargs: dict[str, Any] = {"organisations": orgs} if key == "membership" else {}
        form = form_class(request.POST, prefix=forms[key].prefix, **kwargs)
        forms[key] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "membership_add":
                    org = next((o for o in orgs if str(o.pk) == data["organisation"]), None)
                    if org is None:
                        raise NotFound()
                    services.membership_add(
                        by=request.user, user=account, organisation=org, role=data["role"]
                    )
                    done = f"已为{account.get_full_name()}增加岗位"
                elif action == "membership_end":
                    membership = get_membership(request.user, data["membership"])
                    if membership.user_id != account.pk:
                        raise NotFound()
                    services.membership_end(by=request.user, membership=membership, reason=data["reason"])
                    done = f"已结束岗位：{membership}"
                elif action == "deactivate":
                    services.staff_deactivate(by=request.user, user=account, reason=data["reason"])
                    done = "账号已停用，该人员不能再登录"
                elif action == "reactivate":
                    services.staff_reactivate(by=request.user, user=account, reason=data["reason"])
                    done = "账号已启用"
                elif action == "mfa_reset":
                    services.staff_mfa_reset(by=request.user, user=account, reason=data["reason"])
                    done = "已重置动态口令：此人下次登录时须重新绑定验证器"
                else:
                    temporary = services.staff_password_reset(
                        by=request.user, user=account, reason=data["reason"]
                    )
                    done = ""
            except RECOVERABLE as exc:
                apply_error(form, exc)
                status = 422
            else:
                if temporary is None:
                    messages.success(request, done)
                    return redirect("staff_account", pk=account.pk)
                # The temporary password is shown once, on this response only: no redirect.
                account.refresh_from_db()
                forms[key] = PasswordResetForm(prefix="p")
        else:
            status = 422
    memberships = list(
        account.memberships.select_related("organisation__jurisdiction").order_by("-is_active", "id")
    )

    # The account's own events and those of its roles; logins are left to the audit pages.
    events = (
        AuditEvent.objects.filter(
            Q(object_type="orgs.user", object_id=str(account.pk))
            | Q(object_type="orgs.membership", object_id__in=[str(m.pk) for m in memberships])
        )
        .exclude(action="auth.login")
        .exclude(action__endswith=".view")
        .order_by("at", "id")
    )
    return render(
        request,
        "orgs/staff_account.html",
        {
            "page_title": f"工作人员：{account.get_full_name()}",
            "account": account,
            "memberships": memberships,
            "manageable": {
                m.pk for m in memberships if authz.can(request.user, Perm.ROLE_MANAGE, m.area_code)
            },
            "can_manage": authz.can(request.user, Perm.STAFF_MANAGE),
            "can_grant": authz.can(request.user, Perm.ROLE_MANAGE),
            "can_reset_mfa": authz.can(request.user, Perm.MFA_RESET),
            "has_second_factor": mfa.is_enrolled(account),
            "forms": forms,
            "temporary": temporary,
            "events": events,
            "is_self": account.pk == request.user.pk,
        },
        status=status,
    )


# --- delegation ---------------------------------------------------------------------------------------


def _county_for(request: HttpRequest):
    counties = list(counties_visible_to(request.user))
    if not counties:
        raise NotFound("您的账号没有所属县（区）")
    code = request.GET.get("county")
    county = next((c for c in counties if c.code == code), counties[0])
    return county, counties


@login_required
@require_GET
def rollout(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    county, counties = _county_for(request)
    on = date_param(request, "on") or clock.today()
    rows = rollout_table(request.user, county=county, on=on)
    if wants_export(request):
        headers = ["乡镇（街道）", *[label for _, label in Category.choices]]
        return xlsx_response(
            f"权限下放推进表-{county.name}",
            headers,
            (
                [
                    r.township.name,
                    *[
                        (f"{c.label} {c.grant.valid_from:%Y-%m-%d}起" if c.grant else c.label)
                        for c in r.cells
                    ],
                ]
                for r in rows
            ),
            title=f"{county.name}社会救助审批权限下放推进表（{on:%Y-%m-%d}）",
        )
    townships = list(townships_visible_to(request.user).filter(parent=county).order_by("code"))
    return render(
        request,
        "orgs/rollout.html",
        {
            "page_title": "权限下放",
            "county": county,
            "counties": counties,
            "on": on,
            "rows": rows,
            "categories": Category.choices,
            "can_manage": authz.can(request.user, Perm.DELEGATION_MANAGE, county.code),
            "who_form": WhoDecidesForm(townships=townships, initial={"day": clock.today()}),
        },
    )


@login_required
@require_GET
def who_decides_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    townships = list(townships_visible_to(request.user).order_by("code"))
    form = WhoDecidesForm(request.GET, townships=townships)
    route = None
    if form.is_valid():
        route = who_decides(
            township_code=form.cleaned_data["township"],
            assistance_type=form.cleaned_data["assistance_type"],
            day=form.cleaned_data["day"],
        )
    return render(request, "orgs/rollout.html#who-result", {"route": route, "who_form": form})


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def grant_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.DELEGATION_MANAGE)  # 403 before anything else for other roles
    county, _ = _county_for(request)
    authz.require(request.user, Perm.DELEGATION_MANAGE, county.code)
    townships = list(townships_visible_to(request.user).filter(parent=county).order_by("code"))
    initial = {
        "township": request.GET.get("township"),
        "category": request.GET.get("category"),
        "signed_on": clock.today(),
        "valid_from": clock.today(),
    }
    form = GrantForm(request.POST or None, request.FILES or None, townships=townships, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.grant_create(
                by=request.user,
                township=get_jurisdiction(request.user, form.cleaned_data["township"]),
                category=form.cleaned_data["category"],
                valid_from=form.cleaned_data["valid_from"],
                valid_to=form.cleaned_data["valid_to"],
                letter_no=form.cleaned_data["letter_no"],
                signed_on=form.cleaned_data["signed_on"],
                phase=form.cleaned_data["phase"],
                letter_file=form.cleaned_data["letter_file"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已登记委托：{grant}")
            return redirect("grant_detail", pk=grant.pk)
    return render(
        request, "orgs/grant_form.html", {"page_title": "登记审批权限委托", "form": form, "county": county}
    )


@login_required
@require_http_methods(["GET", "POST"])
def grant_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    grant = get_grant(request.user, pk)
    forms = {
        "suspend": SuspendForm(prefix="s", initial={"start": clock.today()}),
        "resume": ResumeForm(prefix="r", initial={"on": clock.today()}),
        "revoke": RevokeForm(prefix="v", initial={"on": clock.today()}),
    }
    if request.method == "POST":
        authz.require(request.user, Perm.DELEGATION_MANAGE, grant.township_id)
        action = request.POST.get("action", "")
        actions: dict[str, tuple[type[Form], str]] = {
            "suspend": (SuspendForm, "s"),
            "resume": (ResumeForm, "r"),
            "revoke": (RevokeForm, "v"),
        }
        if action not in actions:
            raise NotFound()
        form_class, prefix = actions[action]
        form = form_class(request.POST, prefix=prefix)
        forms[action] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "suspend":
                    services.grant_suspend(
                        by=request.user, grant=grant, start=data["start"], reason=data["reason"]
                    )
                    done = "已暂停委托"
                elif action == "resume":
                    services.grant_resume(by=request.user, grant=grant, on=data["on"], reason=data["reason"])
                    done = "已恢复委托"
                else:
                    services.grant_revoke(by=request.user, grant=grant, on=data["on"], reason=data["reason"])
                    done = "已撤销委托"
            except RECOVERABLE as exc:
                apply_error(form, exc)
            else:
                messages.success(request, done)
                return redirect("grant_detail", pk=grant.pk)

    today = clock.today()

    state = grant_state_on(grant, today, list(grant.suspensions.all()))
    return render(
        request,
        "orgs/grant_detail.html",
        {
            "page_title": str(grant),
            "grant": grant,
            "forms": forms,
            "state": state,
            "state_label": STATE_LABELS[state],
            "can_manage": authz.can(request.user, Perm.DELEGATION_MANAGE, grant.township_id),
            "events": events_for_object(grant),
            "open_suspension": grant.suspensions.filter(end__isnull=True).first(),
        },
    )


@login_required
@require_GET
def grant_letter(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    grant = get_grant(request.user, pk)
    if not grant.letter_file:
        raise NotFound("该委托没有上传委托书扫描件")
    handle = grant.letter_file.open("rb")
    mime, _ = filetypes.detect(handle.read(filetypes.HEAD_BYTES))
    handle.seek(0)
    name = filetypes.download_name(grant.letter_file.name.rsplit("/", 1)[-1], mime)
    return FileResponse(handle, as_attachment=False, filename=name, content_type=mime or None)
