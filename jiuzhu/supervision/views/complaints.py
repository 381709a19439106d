"""Pages of complaints and reports (S8)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from jiuzhu.cases import selectors as case_selectors
from jiuzhu.core import clock
from jiuzhu.core.errors import RECOVERABLE, NotFound
from jiuzhu.core.exports import stream_rows, xlsx_response
from jiuzhu.core.forms import apply_error
from jiuzhu.core.formtokens import one_time_form
from jiuzhu.core.listing import paginate, wants_export
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision import forms as f
from jiuzhu.supervision import selectors
from jiuzhu.supervision.models import ComplaintChannel, ComplaintStatus, Severity
from jiuzhu.supervision.services import complaints
from jiuzhu.supervision.views.common import bound, run_form


@login_required
@require_GET
def complaint_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    g = request.GET
    qs = selectors.complaints_visible_to(request.user).order_by("-received_on", "-id")
    if g.get("status"):
        qs = qs.filter(status=g["status"])
    if g.get("channel"):
        qs = qs.filter(channel=g["channel"])
    if g.get("township"):
        qs = qs.filter(township_code=g["township"])
    if g.get("overdue"):
        qs = qs.filter(replied_on__isnull=True, reply_due_on__lt=clock.today())
    names = selectors.names()
    if wants_export(request):
        return xlsx_response(
            "投诉举报",
            [
                "编号",
                "渠道",
                "收到日期",
                "乡镇（街道）",
                "反映内容",
                "状态",
                "答复期限",
                "答复日期",
                "属实",
                "满意度",
            ],
            (
                (
                    c.number,
                    c.get_channel_display(),
                    c.received_on,
                    names.get(c.township_code, ""),
                    c.content,
                    c.get_status_display(),
                    c.reply_due_on,
                    c.replied_on,
                    c.substantiated,
                    c.get_satisfaction_display(),
                )
                for c in stream_rows(qs)
            ),
        )
    return render(
        request,
        "supervision/complaint_list.html",
        {
            "page_title": "投诉举报",
            "listing": paginate(request, qs),
            "f": g,
            "names": names,
            "today": clock.today(),
            "statuses": ComplaintStatus.choices,
            "channels": ComplaintChannel.choices,
            "townships": selectors.townships_for(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def complaint_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.COMPLAINT_HANDLE)
    areas = [
        a
        for a in Jurisdiction.objects.filter(
            authz.scope_q(request.user, "code"), level__gte=Level.TOWNSHIP
        ).order_by("code")
        if authz.can(request.user, Perm.COMPLAINT_HANDLE, a.code)
    ]
    staff = list(selectors.staff_in_scope(request.user))
    form = f.ComplaintForm(
        request.POST or None,
        areas=areas,
        staff=staff,
        initial={"received_on": clock.today(), "channel": ComplaintChannel.HOTLINE},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = (
                case_selectors.get_case_by_number(request.user, d["case_number"].strip())
                if d["case_number"].strip()
                else None
            )
        except NotFound:
            form.add_error("case_number", "未找到该申请")
        else:
            try:
                complaint = complaints.complaint_submit(
                    by=request.user,
                    channel=d["channel"],
                    content=d["content"],
                    area_code=d["area_code"],
                    complainant=d["complainant"],
                    contact=d["contact"],
                    anonymous=d["anonymous"],
                    received_on=d["received_on"],
                    case=case,
                    named_staff=[u for u in staff if str(u.pk) in d["named_staff"]],
                )
            except RECOVERABLE as exc:
                apply_error(form, exc)
            else:
                messages.success(
                    request, f"已登记投诉举报 {complaint.number}，答复期限 {complaint.reply_due_on:%Y-%m-%d}"
                )
                return redirect("sup_complaint", pk=complaint.pk)
    return render(request, "supervision/complaint_form.html", {"page_title": "登记投诉举报", "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def complaint_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.get_complaint(request.user, pk)
    url = f"/supervision/complaints/{pk}/"
    today = clock.today()
    named = set(complaint.named_staff.values_list("pk", flat=True))
    people = [
        u for u in selectors.handlers_for(complaint.area_code, Perm.COMPLAINT_HANDLE) if u.pk not in named
    ]
    assign = bound(request, "assign", lambda *a, **k: f.AssignForm(*a, people=people, **k))
    investigate = bound(request, "investigate", f.InvestigateForm, on=today, severity=Severity.MINOR)
    reply = bound(request, "reply", f.ReplyForm, on=today)
    visit = bound(request, "visit", f.ReturnVisitForm, on=today)
    action = request.POST.get("action")
    done = None
    if action == "assign":
        done = run_form(
            request,
            assign,
            lambda d: complaints.complaint_assign(
                by=request.user,
                complaint=complaint,
                assignee=next(u for u in people if str(u.pk) == d["assignee"]),
            ),
            "已交办",
            url,
        )
    elif action == "investigate":
        done = run_form(
            request,
            investigate,
            lambda d: complaints.complaint_investigate(
                by=request.user,
                complaint=complaint,
                method=d["method"],
                investigation=d["investigation"],
                substantiated=d["substantiated"],
                on=d["on"],
                severity=d["severity"],
            ),
            "已登记调查核实情况",
            url,
        )
    elif action == "reply":
        done = run_form(
            request,
            reply,
            lambda d: complaints.complaint_reply(
                by=request.user, complaint=complaint, reply=d["reply"], on=d["on"]
            ),
            "已答复",
            url,
        )
    elif action == "visit":
        done = run_form(
            request,
            visit,
            lambda d: complaints.complaint_return_visit(
                by=request.user,
                complaint=complaint,
                on=d["on"],
                satisfaction=d["satisfaction"],
                note=d["note"],
            ),
            "已回访，投诉举报办结",
            url,
        )
    elif action:
        raise NotFound()
    if done:
        return done
    s = complaint.status
    shown = (
        complaints.complaint_complainant(by=request.user, complaint=complaint)
        if complaints.sees_complainant(request.user, complaint)
        else None
    )
    return render(
        request,
        "supervision/complaint_detail.html",
        {
            "page_title": complaint.number,
            "c": complaint,
            "assign": assign,
            "investigate": investigate,
            "reply": reply,
            "visit": visit,
            "today": today,
            "overdue": complaint.overdue_on(today),
            "can_assign": s in (ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED),
            "can_investigate": s in (ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED),
            "can_reply": s == ComplaintStatus.INVESTIGATED,
            "can_visit": s == ComplaintStatus.REPLIED and shown is not None,
            "complainant": shown,
            "named_staff": complaint.named_staff.all(),
            "findings": complaint.findings.all(),
            "matters": complaint.matters.all(),
            "place": selectors.names().get(complaint.township_code, ""),
            "can_supervise": authz.can(request.user, Perm.SUPERVISE, complaint.area_code),
        },
    )
