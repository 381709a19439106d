"""Pages of warnings (S6): list with filters, a warning with its handling, the rules, scans on demand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.core.errors import NotFound
from jiuzhu.core.exports import stream_rows, xlsx_response
from jiuzhu.core.listing import paginate, wants_export
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.orgs.selectors import home_area
from jiuzhu.supervision import forms as f
from jiuzhu.supervision import selectors
from jiuzhu.supervision.models import AlertScan, AlertStatus
from jiuzhu.supervision.rules import RULES, label_of
from jiuzhu.supervision.services import alerts
from jiuzhu.supervision.views.common import bound, run_form


def filtered(request: AuthenticatedHttpRequest):
    g = request.GET
    qs = selectors.alerts_visible_to(request.user).order_by("-last_seen_at", "-id")
    status = g.get("status", "open")
    if status:
        qs = qs.filter(status=status)
    if g.get("rule"):
        qs = qs.filter(rule=g["rule"])
    if g.get("township"):
        qs = qs.filter(township_code=g["township"])
    if g.get("mine"):
        qs = qs.filter(assigned_to=request.user)
    return qs, status


@login_required
@require_GET
def alert_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    qs, status = filtered(request)
    names = selectors.names()
    if wants_export(request):
        return xlsx_response(
            "预警",
            ["规则", "乡镇（街道）", "申请编号", "内容", "状态", "首次发现", "最近发现", "指派", "处理说明"],
            (
                (
                    label_of(a.rule),
                    names.get(a.township_code, names.get(a.county_code, "")),
                    a.case.number if a.case else "",
                    a.detail,
                    a.get_status_display(),
                    a.first_seen_at,
                    a.last_seen_at,
                    a.assigned_to.get_full_name() if a.assigned_to else "",
                    a.handle_note,
                )
                for a in stream_rows(qs)
            ),
        )
    last_scan = AlertScan.objects.filter(finished_at__isnull=False).order_by("-started_at").first()
    return render(
        request,
        "supervision/alert_list.html",
        {
            "page_title": "预警",
            "listing": paginate(request, qs),
            "f": request.GET,
            "status": status,
            "names": names,
            "statuses": AlertStatus.choices,
            "rules": [r for r in RULES.values() if r.active],
            "townships": selectors.townships_for(request.user),
            "last_scan": last_scan,
            "can_scan": authz.can(request.user, Perm.SUPERVISE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def alert_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    alert = selectors.get_alert(request.user, pk)
    url = f"/supervision/alerts/{pk}/"
    may_handle = authz.can(request.user, Perm.WARNING_HANDLE, alert.area_code) or authz.can(
        request.user, Perm.SUPERVISE, alert.area_code
    )
    people = selectors.handlers_for(alert.area_code) if may_handle else []
    handle = bound(request, "handle", f.NoteForm)
    reopen = bound(request, "reopen", f.NoteForm)
    assign = bound(request, "assign", lambda *a, **k: f.AssignForm(*a, people=people, **k))
    action = request.POST.get("action")
    done = None
    if action == "handle":
        done = run_form(
            request,
            handle,
            lambda d: alerts.alert_handle(by=request.user, alert=alert, note=d["note"]),
            "已登记处理情况",
            url,
        )
    elif action == "reopen":
        done = run_form(
            request,
            reopen,
            lambda d: alerts.alert_reopen(by=request.user, alert=alert, reason=d["note"]),
            "已重新打开",
            url,
        )
    elif action == "assign":
        done = run_form(
            request,
            assign,
            lambda d: alerts.alert_assign(
                by=request.user, alert=alert, assignee=next(u for u in people if str(u.pk) == d["assignee"])
            ),
            "已指派",
            url,
        )
    elif action:
        raise NotFound()
    if done:
        return done
    return render(
        request,
        "supervision/alert_detail.html",
        {
            "page_title": "预警",
            "alert": alert,
            "rule": RULES.get(alert.rule),
            "handle": handle,
            "reopen": reopen,
            "assign": assign,
            "may_handle": may_handle and alert.status == AlertStatus.OPEN,
            "may_reopen": alert.status == AlertStatus.HANDLED
            and authz.can(request.user, Perm.SUPERVISE, alert.area_code),
            "matters": alert.matters.all(),
            "place": selectors.names().get(alert.township_code or alert.county_code, ""),
            "can_supervise": authz.can(request.user, Perm.SUPERVISE, alert.area_code),
        },
    )


@login_required
@require_GET
def rule_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.VIEW)
    counts = dict(
        selectors.alerts_visible_to(request.user)
        .filter(status=AlertStatus.OPEN)
        .values_list("rule")
        .annotate(n=Count("id"))
    )
    scans = AlertScan.objects.filter(authz.scope_q(request.user, "area_code") | Q(area_code="")).order_by(
        "-started_at"
    )[:10]
    return render(
        request,
        "supervision/rules.html",
        {
            "page_title": "预警规则",
            "rules": RULES.values(),
            "counts": counts,
            "scans": scans,
        },
    )


@login_required
@require_POST
def scan_now(request: AuthenticatedHttpRequest) -> HttpResponse:
    area = request.POST.get("area") or home_area(request.user)
    job = alerts.scan_request(by=request.user, area_code=area)
    messages.info(request, "已开始扫描，完成后预警列表将更新")
    return redirect("sup_scan_job", pk=job.pk)


@login_required
@require_GET
def scan_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = selectors.get_scan_job(request.user, pk)
    template = "supervision/scan_job.html#progress" if request.htmx else "supervision/scan_job.html"
    return render(request, template, {"page_title": "预警扫描", "job": job, "rules": RULES})
