"""Pages owned by core: policy parameters, holiday calendar, audit trail, health check."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.core import audit, clock, params, workdays
from jiuzhu.core.errors import RECOVERABLE, DomainError, NotFound
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.forms import BootstrapMixin, DateInput, apply_error
from jiuzhu.core.listing import date_param, paginate, wants_export, year_param
from jiuzhu.core.models import CalendarDay, CalendarYear
from jiuzhu.core.selectors import audit_events_visible_to, parameter_history, parameter_table
from jiuzhu.core.services import calendar_load_year, param_set, parse_holiday_text, rows_from_package
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Level
from jiuzhu.orgs.roles import Perm
from jiuzhu.orgs.selectors import get_jurisdiction, home_area, jurisdictions_visible_to


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok", "database": "ok"})
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure, it does not hide it
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)


# --- policy parameters --------------------------------------------------------------------------------


def _param_area(request: HttpRequest):
    code = request.GET.get("area") or home_area(request.user)
    if not code:
        raise NotFound("您的账号没有所属辖区")
    return get_jurisdiction(request.user, code)


@login_required
def params_list(request: HttpRequest) -> HttpResponse:
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
        "core/params_list.html",
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
    from jiuzhu.orgs.models import Jurisdiction

    j = Jurisdiction.objects.filter(code=code).only("name").first()
    return j.name if j else code


class ParamForm(BootstrapMixin, forms.Form):
    effective_from = forms.DateField(label="生效日期", widget=DateInput())
    value = forms.CharField(label="取值", max_length=200)
    source = forms.CharField(label="政策依据（文号）", max_length=200, required=False)
    reason = forms.CharField(label="调整原因", widget=forms.Textarea(attrs={"rows": 2}))


@login_required
@require_http_methods(["GET", "POST"])
def param_detail(request: HttpRequest, key: str) -> HttpResponse:
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
        "core/param_detail.html",
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


# --- calendar -----------------------------------------------------------------------------------------


class HolidayForm(BootstrapMixin, forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    text = forms.CharField(
        label="节假日与调休上班日",
        widget=forms.Textarea(attrs={"rows": 12, "class": "jz-mono"}),
        help_text="每行一天：日期,休/班,名称。例如 2027-10-01,休,国庆节；2027-09-26,班,国庆节调休",
    )
    source = forms.CharField(
        label="依据", max_length=200, help_text="如：国务院办公厅关于2027年部分节假日安排的通知"
    )


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.VIEW)
    year = year_param(request, clock.today().year)
    can_manage = authz.can(request.user, Perm.CALENDAR_MANAGE)
    form = HolidayForm(request.POST or None, initial={"year": year + 1})
    if request.method == "POST":
        authz.require(request.user, Perm.CALENDAR_MANAGE)
        if request.POST.get("from_package") and request.POST.get("year", "").isdigit():
            try:
                rows = rows_from_package(int(request.POST["year"]))
            except RECOVERABLE as exc:
                messages.error(request, exc.message)
            else:
                form = HolidayForm(
                    initial={
                        "year": request.POST["year"],
                        "text": "\n".join(f"{r.day},{'班' if r.is_workday else '休'},{r.name}" for r in rows),
                        "source": "chinese-calendar 软件包（请与国务院办公厅通知核对）",
                    }
                )
        elif form.is_valid():
            try:
                rows = parse_holiday_text(form.cleaned_data["year"], form.cleaned_data["text"])
                calendar_load_year(
                    by=request.user,
                    year=form.cleaned_data["year"],
                    rows=rows,
                    source=form.cleaned_data["source"],
                )
            except RECOVERABLE as exc:
                apply_error(form, exc)
            else:
                messages.success(
                    request, f"已导入 {form.cleaned_data['year']} 年节假日安排，共 {len(rows)} 天"
                )
                return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    days = []
    d = date(year, 1, 1)
    from datetime import timedelta

    while d.year == year:
        info = workdays.day_info(d)
        if info.workday != (d.weekday() < 5):
            days.append(info)
        d += timedelta(days=1)
    return render(
        request,
        "core/calendar.html",
        {
            "page_title": "工作日历",
            "year": year,
            "days": days,
            "known": workdays.is_known_year(year),
            "loaded_years": CalendarYear.objects.all(),
            "db_days": CalendarDay.objects.filter(date__year=year).count(),
            "form": form,
            "can_manage": can_manage,
            "years": range(clock.today().year - 5, clock.today().year + 3),
        },
    )


@login_required
@require_GET
def workday_calculator(request: HttpRequest) -> HttpResponse:
    """The working-day calculator on the calendar page (htmx fragment)."""
    start = date_param(request, "start")
    try:
        days = int(request.GET.get("days", ""))
    except ValueError:
        days = -1
    result = None
    error = ""
    if start is None:
        error = "请填写起始日期"
    elif days < 0 or days > 1000:
        error = "工作日数应为 0 至 1000 的整数"
    else:
        result = workdays.add_working_days(start, days)
    return render(
        request,
        "core/calendar.html#calculator-result",
        {"result": result, "error": error, "start": start, "days": days},
    )


# --- audit --------------------------------------------------------------------------------------------


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
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
                for e in events[:50000].iterator()
            ),
        )
    listing = paginate(request, events)
    return render(request, "core/audit_list.html", {"page_title": "审计日志", "listing": listing, "f": f})


@login_required
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    audit_events_visible_to(request.user)  # permission check
    prefixes = authz.scope_prefixes(request.user)
    if prefixes is None:
        reports = audit.verify_all()
    else:
        reports = [audit.verify_chain(key) for key in sorted({p[:6] for p in prefixes if len(p) >= 6})]
    return render(request, "core/audit_list.html#verify-result", {"reports": reports})
