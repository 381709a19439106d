"""The KPI dashboard (S5, S11), scorecards (S9), funds (S10) and capacity; every chart also a table and
an Excel file (`?export=xlsx&table=<code>`)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from jiuzhu.core import clock
from jiuzhu.core.errors import NotFound
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.listing import date_param, wants_export, year_param
from jiuzhu.core.replica import reads_replica
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import Membership
from jiuzhu.orgs.roles import Perm, Role
from jiuzhu.supervision import forms as f
from jiuzhu.supervision import kpis, selectors
from jiuzhu.supervision.models import ScorePoint
from jiuzhu.supervision.services import capacity, figures, scores
from jiuzhu.supervision.views.common import run_form, table_export


def _chart(option: dict) -> str:
    return json.dumps(option, ensure_ascii=False)


def _export(request, tables):
    """The table named by ?table= (the first one when not named)."""
    wanted = request.GET.get("table") or tables[0].code
    for t in tables:
        if t.code == wanted:
            return table_export(t)
    raise NotFound()


@login_required
@require_http_methods(["GET", "POST"])
@reads_replica
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    if request.method == "POST":  # 重新计算
        figures.figures_refresh(by=request.user)
        messages.success(request, "已重新计算监管概览数据")
        return redirect("sup_dashboard")
    tables, computed_at = figures.dashboard_tables(request.user)
    if authz.can(request.user, Perm.COMPLAINT_HANDLE):
        tables.append(kpis.complaint_trend(request.user))
    if wants_export(request):
        return _export(request, tables)
    charts = {
        "processing": kpis.bar_option(tables[0], [3, 5], names=["下放前平均", "下放后平均"]),
        "backlog": kpis.bar_option(tables[1], [1, 3], names=["在办件数", "已超期"]),
        "quality": kpis.bar_option(tables[2], [3], names=["问题数据率（%）"]),
        "ledger": kpis.bar_option(tables[3], [4], names=["一致率（%）"]),
    }
    if len(tables) > 4:
        charts["complaints"] = kpis.line_option(tables[4], [1, 2, 3, 4])
    return render(
        request,
        "supervision/dashboard.html",
        {
            "page_title": "监管概览",
            "tables": [(t, _chart(charts[t.code])) for t in tables],
            "computed_at": computed_at,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@reads_replica
def scorecards(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    counties = [
        c for c in selectors.counties_for(request.user) if authz.can(request.user, Perm.SUPERVISE, c.code)
    ]
    today = clock.today()
    month = (date_param(request, "month") or today).replace(day=1)
    form = f.ComputeForm(request.POST or None, counties=counties, initial={"month": month})
    if request.method == "POST":
        authz.require(request.user, Perm.SUPERVISE)
        done = run_form(
            request,
            form,
            lambda d: scores.scorecards_compute(by=request.user, county_code=d["county"], month=d["month"]),
            "已计算乡镇考评",
            f"/supervision/scores/?month={form.cleaned_data['month'].replace(day=1):%Y-%m-%d}"
            if form.is_valid()
            else "",
        )
        if done:
            return done
    cards = list(
        selectors.scorecards_visible_to(request.user).filter(month=month).order_by("county_code", "rank")
    )
    names = selectors.names()
    headers = ["排名", "乡镇（街道）", "得分", *scores.COMPONENTS.values()]
    rows = [
        [c.rank, names.get(c.township_code, ""), c.score, *[c.components.get(k) for k in scores.COMPONENTS]]
        for c in cards
    ]
    table = kpis.Table("scores", f"{month:%Y年%m月}乡镇（街道）考评", headers, rows, rule="S9")
    if wants_export(request):
        return table_export(table)
    option = kpis.bar_option(
        kpis.Table("s", "", ["乡镇", "得分"], [[r[1], r[2]] for r in rows]), [1], names=["得分"]
    )
    return render(
        request,
        "supervision/scorecards.html",
        {
            "page_title": "乡镇考评",
            "cards": cards,
            "names": names,
            "month": month,
            "form": form,
            "can_compute": bool(counties),
            "components": scores.COMPONENTS,
            "chart": _chart(option),
            "table": table,
            "computed_at": max((c.computed_at for c in cards), default=None),
        },
    )


@login_required
@require_GET
def scorecard_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    card = selectors.get_scorecard(request.user, pk)
    points = list(
        ScorePoint.objects.filter(card=card).select_related("case", "alert", "finding", "complaint")
    )
    if wants_export(request):
        return xlsx_response(
            "考评扣分明细",
            ["分项", "扣分", "说明", "申请编号"],
            (
                (scores.COMPONENTS[p.component], p.points, p.note, p.case.number if p.case else "")
                for p in points
            ),
        )
    return render(
        request,
        "supervision/scorecard_detail.html",
        {
            "page_title": "考评明细",
            "card": card,
            "points": points,
            "components": scores.COMPONENTS,
            "township": selectors.names().get(card.township_code, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@reads_replica
def funds(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    authz.require(request.user, Perm.VIEW)
    today = clock.today()
    year = year_param(request, today.year)
    townships = list(selectors.townships_for(request.user))
    allowed = [t for t in townships if authz.can(request.user, Perm.FUNDS_MANAGE, t.code)]
    form = f.AllocationForm(
        request.POST or None, townships=allowed, initial={"year": year, "allocated_on": today}
    )
    if request.method == "POST":
        authz.require(request.user, Perm.FUNDS_MANAGE)
        done = run_form(
            request,
            form,
            lambda d: capacity.fund_allocate(
                by=request.user,
                township_code=d["township"],
                year=d["year"],
                amount=d["amount"],
                allocated_on=d["allocated_on"],
                document_no=d["document_no"],
                note=d["note"],
            ),
            "已登记拨付",
            f"/supervision/funds/?year={year}",
        )
        if done:
            return done
    table = kpis.funds(request.user, townships, year)
    payments = kpis.linshi_payments(request.user, year)
    township = request.GET.get("township", "")
    if township:
        payments = [p for p in payments if p.township_code == township]
    names = selectors.names()
    if wants_export(request):
        if request.GET.get("table") == "payments":
            return xlsx_response(
                "临时救助发放明细",
                ["乡镇（街道）", "日期", "申请编号", "方式", "金额（元）"],
                ((names.get(p.township_code, ""), p.on, p.number, p.kind, p.amount) for p in payments),
            )
        return table_export(table)
    option = kpis.bar_option(table, [1, 2, 4], names=["拨付", "已发放", "结余"])
    return render(
        request,
        "supervision/funds.html",
        {
            "page_title": "临时救助资金",
            "table": table,
            "chart": _chart(option),
            "payments": payments,
            "year": year,
            "names": names,
            "form": form,
            "can_allocate": bool(allowed),
            "township": township,
            "allocations": selectors.allocations_visible_to(request.user)
            .filter(year=year)
            .order_by("-allocated_on"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@reads_replica
def capacity_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.VIEW)
    townships = list(selectors.townships_for(request.user))
    counties = [
        c
        for c in selectors.counties_for(request.user)
        if authz.can(request.user, Perm.TRAINING_MANAGE, c.code)
    ]
    people = list(
        Membership.objects.filter(
            authz.scope_q(request.user, "organisation__jurisdiction__code"),
            is_active=True,
            role__in=[Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_APPROVER, Role.VILLAGE_ASSISTANT],
        )
        .select_related("user", "organisation")
        .order_by("organisation__jurisdiction_id", "user__username")
    )
    form = f.TrainingForm(
        request.POST or None,
        counties=counties,
        people=people,
        initial={"held_on": clock.today(), "hours": 4, "other_attendees": 0},
    )
    if request.method == "POST":
        authz.require(request.user, Perm.TRAINING_MANAGE)
        done = run_form(
            request,
            form,
            lambda d: capacity.training_record(
                by=request.user,
                county_code=d["county"],
                held_on=d["held_on"],
                title=d["title"],
                organiser=d["organiser"],
                hours=d["hours"],
                content=d["content"],
                attendees=[m.user for m in people if str(m.user_id) in set(d["attendees"])],
                other_attendees=d["other_attendees"],
            ),
            "已登记培训",
            "/supervision/capacity/",
        )
        if done:
            return done
    staffing = kpis.staffing(request.user, townships)
    trainings_tables = [
        kpis.trainings_per_year(request.user, c.code) for c in selectors.counties_for(request.user)
    ]
    tables = [staffing, *trainings_tables]
    if wants_export(request):
        return _export(request, tables)
    return render(
        request,
        "supervision/capacity.html",
        {
            "page_title": "经办力量与培训",
            "staffing": staffing,
            "trainings_tables": trainings_tables,
            "form": form,
            "can_record": bool(counties),
            "chart": _chart(kpis.bar_option(staffing, [1], names=["专职工作人员"])),
            "trainings": selectors.trainings_visible_to(request.user).order_by("-held_on")[:50],
        },
    )
