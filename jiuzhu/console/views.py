"""Pages of the policy parameters and the audit trail (系统设置), over the kernel's services and tables.

Why here and not in core: they scope by jurisdiction and check roles, which orgs owns; this app sits above
every business app, so it may also show what those apps record.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.console.selectors import audit_events_visible_to
from jiuzhu.core import audit, clock, params, textlimits
from jiuzhu.core.errors import RECOVERABLE, DomainError, NotFound
from jiuzhu.core.exports import stream_rows, xlsx_response
from jiuzhu.core.forms import BootstrapMixin, DateInput, apply_error
from jiuzhu.core.listing import date_param, paginate, wants_export
from jiuzhu.core.selectors import parameter_history, parameter_table
from jiuzhu.core.services import param_set
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.orgs.roles import Perm
from jiuzhu.orgs.selectors import get_jurisdiction, home_area, jurisdictions_visible_to

# --- policy parameters --------------------------------------------------------------------------------


def _param_area(request: HttpRequest):
    code = request.GET.get("area") or home_area(request.user)
    if not code:
        raise NotFound("您的账号没有所属辖区")
    return get_jurisdiction(request.user, code)


@login_required
def params_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    area = _param_area(request)
    on = date_param(request, "on") or clock.today()
    rows = parameter_table(area_code=area.code, on=on)
    choices = jurisdictions_visible_to(request.user).filter(level__lte=Level.TOWNSHIP).order_by("code")
    if wants_export(request):
        return xlsx_response(
            f"政策参数-{area.name}",
            ["分组", "参数", "规则", "取值", "单位", "生效日期", "来源层级"],
            [
                (
                    r.definition.group,
                    r.definition.label,
                    r.definition.rule,
                    r.display,
                    r.definition.unit,
                    r.resolved.effective_from if r.resolved else None,
                    _scope_label(r.resolved.scope_code) if r.resolved else "",
                )
                for r in rows
            ],
        )
    return render(
        request,
        "console/params_list.html",
        {
            "page_title": "政策参数",
            "area": area,
            "on": on,
            "rows": rows,
            "choices": choices,
            "can_edit": authz.can(request.user, Perm.PARAMS_EDIT, area.code),
        },
    )


def _scope_label(code: str) -> str:
    if not code:
        return "全国默认"
    j = Jurisdiction.objects.filter(code=code).only("name").first()
    return j.name if j else code


class ParamForm(BootstrapMixin, forms.Form):
    effective_from = forms.DateField(label="生效日期", widget=DateInput())
    value = forms.CharField(label="取值", max_length=200)
    source = forms.CharField(label="政策依据（文号）", max_length=200, required=False)
    reason = forms.CharField(
        max_length=textlimits.PARAGRAPH, label="调整原因", widget=forms.Textarea(attrs={"rows": 2})
    )


@login_required
@require_http_methods(["GET", "POST"])
def param_detail(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    area = _param_area(request)
    try:
        definition = params.definition(key)
    except DomainError:
        raise NotFound("没有这个政策参数") from None
    can_edit = authz.can(request.user, Perm.PARAMS_EDIT, area.code)
    form = ParamForm(request.POST or None, initial={"effective_from": clock.today()})
    if request.method == "POST":
        if not can_edit:
            authz.require(request.user, Perm.PARAMS_EDIT, area.code)
        if form.is_valid():
            try:
                param_set(
                    by=request.user,
                    key=key,
                    scope_code=area.code,
                    reason=form.cleaned_data["reason"],
                    effective_from=form.cleaned_data["effective_from"],
                    value=form.cleaned_data["value"],
                    source=form.cleaned_data["source"],
                )
            except RECOVERABLE as exc:
                apply_error(form, exc)
            else:
                messages.success(
                    request,
                    f"已保存：{area.name}的“{definition.label}”自 {form.cleaned_data['effective_from']} 起生效",
                )
                return redirect(f"{request.path}?area={area.code}")
    try:
        current = params.resolve(key, area_code=area.code, on=clock.today())
    except params.MissingParameter:
        current = None
    history = parameter_history(key, area_code=area.code)
    return render(
        request,
        "console/param_detail.html",
        {
            "page_title": definition.label,
            "definition": definition,
            "area": area,
            "form": form,
            "current": current,
            "current_display": params.display(key, current.value) if current else "",
            "history": [
                (row, params.display(key, row.value), _scope_label(row.scope_code)) for row in history
            ],
            "can_edit": can_edit,
        },
    )


# --- audit --------------------------------------------------------------------------------------------


@login_required
@require_GET
def audit_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    events = audit_events_visible_to(request.user).select_related("actor")
    f = request.GET
    if start := date_param(request, "from"):
        events = events.filter(at__date__gte=start)
    if end := date_param(request, "to"):
        events = events.filter(at__date__lte=end)
    if actor := f.get("actor", "").strip():
        events = events.filter(actor_name__icontains=actor)
    if action := f.get("action", "").strip():
        events = events.filter(action__startswith=action)
    if obj := f.get("object", "").strip():
        events = events.filter(object_repr__icontains=obj) | events.filter(object_id=obj)
    if area := f.get("area", "").strip():
        events = events.filter(area_code__startswith=area)
    events = events.order_by("-at", "-id")
    if wants_export(request):
        return xlsx_response(
            "审计日志",
            ["时间", "操作人", "岗位", "单位", "操作", "对象", "对象编号", "区划", "原因", "IP", "渠道"],
            (
                (
                    e.at,
                    e.actor_name,
                    e.role,
                    e.organisation_name,
                    e.action,
                    e.object_repr,
                    e.object_id,
                    e.area_code,
                    e.reason,
                    e.ip,
                    e.channel,
                )
                for e in stream_rows(events[:50000])
            ),
        )
    listing = paginate(request, events)
    return render(request, "console/audit_list.html", {"page_title": "审计日志", "listing": listing, "f": f})


@login_required
@require_POST
def audit_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    audit_events_visible_to(request.user)  # permission check
    prefixes = authz.scope_prefixes(request.user)
    if prefixes is None:
        reports = audit.verify_all()
    else:
        reports = [audit.verify_chain(key) for key in sorted({p[:6] for p in prefixes if len(p) >= 6})]
    return render(request, "console/audit_list.html#verify-result", {"reports": reports})
