"""The working-day calendar page (P7, P7a): each year's holidays and where they come from, loading a year's
arrangement with a preview of what it changes, the working-day calculator, and the reminder to load the next
year on the home page."""

from __future__ import annotations

import hashlib

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from jiuzhu.core import clock, workdays
from jiuzhu.core.arrangement import parse_arrangement
from jiuzhu.core.errors import RECOVERABLE
from jiuzhu.core.forms import BootstrapMixin, apply_error
from jiuzhu.core.listing import date_param, year_param
from jiuzhu.core.models import CalendarDay, CalendarYear
from jiuzhu.core.services import calendar_load_year, calendar_preview, rows_from_package
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm

MIN_YEAR, MAX_YEAR = 2000, 2100


class ArrangementForm(BootstrapMixin, forms.Form):
    year = forms.IntegerField(label="年度", min_value=MIN_YEAR, max_value=MAX_YEAR)
    text = forms.CharField(
        label="节假日安排",
        widget=forms.Textarea(attrs={"rows": 10, "class": "jz-mono"}),
        help_text=(
            "每行一段放假或一个调休上班日，例如“2027-02-05 至 2027-02-11 春节”“2027-02-14 补班”。"
            "也可直接粘贴国务院办公厅通知中的各条（如“二、春节：2月5日至11日放假调休，共7天。2月14日上班。”），"
            "或每行“日期,休/班,名称”。"
        ),
    )
    source = forms.CharField(
        label="依据", max_length=200, help_text="如：国务院办公厅关于2027年部分节假日安排的通知"
    )
    digest = forms.CharField(widget=forms.HiddenInput, required=False)


def arrangement_digest(year: int, text: str) -> str:
    """Ties a confirmation to the text that was previewed."""
    return hashlib.sha256(f"{year}\n{text.strip()}".encode()).hexdigest()[:20]


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.VIEW)
    today = clock.today()
    year = year_param(request, today.year)
    to_load = workdays.years_to_load(today)
    form = ArrangementForm(request.POST or None, initial={"year": to_load[0] if to_load else year + 1})
    preview = None
    if request.method == "POST":
        authz.require(request.user, Perm.CALENDAR_MANAGE)
        if request.POST.get("from_package"):
            form = _form_from_package(request, form)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                rows = parse_arrangement(data["year"], data["text"])
                confirmed = request.POST.get("action") == "confirm"
                if confirmed and data["digest"] == arrangement_digest(data["year"], data["text"]):
                    loaded = calendar_load_year(
                        by=request.user, year=data["year"], rows=rows, source=data["source"]
                    )
                    moved = len(loaded.recalculation.moves)
                    messages.success(
                        request,
                        f"已导入 {data['year']} 年节假日安排（{len(rows)} 天）；"
                        + (
                            f"{moved} 项在办期限已随之调整，见审计日志" if moved else "在办事项的期限没有变化"
                        ),
                    )
                    return redirect(f"{request.path}?year={data['year']}")
                if confirmed:
                    messages.warning(request, "预览后内容有改动，请核对下面的新预览后再确认导入")
                preview = calendar_preview(by=request.user, year=data["year"], rows=rows)
                bound = request.POST.copy()
                bound["digest"] = arrangement_digest(data["year"], data["text"])
                form = ArrangementForm(bound)
                form.is_valid()
            except RECOVERABLE as exc:
                apply_error(form, exc)
    return render(
        request,
        "console/calendar.html",
        {
            "page_title": "工作日历",
            "year": year,
            "status": workdays.year_status(year),
            "days": workdays.special_days(year),
            "statuses": [(y, workdays.year_status(y)) for y in (today.year, today.year + 1)],
            "to_load": to_load,
            "loaded_years": CalendarYear.objects.all(),
            "db_days": CalendarDay.objects.filter(date__year=year).count(),
            "form": form,
            "preview": preview,
            "can_manage": authz.can(request.user, Perm.CALENDAR_MANAGE),
            "years": range(today.year - 5, today.year + 3),
        },
    )


def _form_from_package(request: HttpRequest, form: ArrangementForm) -> ArrangementForm:
    raw = request.POST.get("year", "")
    if not (raw.isdigit() and MIN_YEAR <= int(raw) <= MAX_YEAR):
        messages.error(request, "请先填写年度")
        return ArrangementForm(initial={"text": request.POST.get("text", "")})
    try:
        rows = rows_from_package(int(raw))
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
        return ArrangementForm(initial={"year": raw, "text": request.POST.get("text", "")})
    return ArrangementForm(
        initial={
            "year": raw,
            "text": "\n".join(f"{r.day},{'班' if r.is_workday else '休'},{r.name}" for r in rows),
            "source": "chinese-calendar 软件包（请与国务院办公厅通知核对）",
        }
    )


@login_required
@require_GET
def workday_calculator(request: AuthenticatedHttpRequest) -> HttpResponse:
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
    elif not MIN_YEAR <= start.year <= MAX_YEAR:
        error = f"起始日期应在 {MIN_YEAR} 至 {MAX_YEAR} 年之间"
    elif days < 0 or days > 1000:
        error = "工作日数应为 0 至 1000 的整数"
    else:
        result = workdays.add_working_days(start, days)
    return render(
        request,
        "console/calendar.html#calculator-result",
        {"result": result, "error": error, "start": start, "days": days},
    )


def calendar_reminder_panel(request: HttpRequest, membership) -> tuple[str, dict] | None:
    """Home page of those who load the calendar: from November until next year's arrangement is in (P7a)."""
    years = workdays.years_to_load(clock.today())
    if not years:
        return None
    return "console/panels/calendar_reminder.html", {"years": years}
