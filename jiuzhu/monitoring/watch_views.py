"""Pages of the watch part: the 比对 import (upload, job with progress, commit, bad rows), the warnings list
and one warning with its verify-then-resolve forms."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.core import clock, idnumber
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.exports import XLSX, attachment, stream_rows, xlsx_bytes, xlsx_response
from jiuzhu.core.formtokens import one_time_form
from jiuzhu.core.listing import paginate, wants_export
from jiuzhu.core.models import Job
from jiuzhu.core.retention import log_download
from jiuzhu.monitoring import watch_forms as f
from jiuzhu.monitoring import watch_services as services
from jiuzhu.monitoring.models.watch import (
    Source,
    WarningCategory,
    WarningStatus,
)
from jiuzhu.monitoring.sources import ID_HEADERS, LAYOUTS, RECORD_HEADERS, layout_of
from jiuzhu.monitoring.watch_import import import_commit, import_start, open_error_workbook
from jiuzhu.monitoring.watch_selectors import (
    IMPORT_KIND,
    get_import_job,
    get_warning,
    warnings_visible_to,
)
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision.selectors import names, townships_for
from jiuzhu.supervision.views.common import bound, run_form

# --- import -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def import_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.DATA_IMPORT)
    form = f.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_start(
                by=request.user, source=form.cleaned_data["source"], upload=form.cleaned_data["file"]
            )
        except ValidationFailed as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("monitoring:import_job", pk=job.pk)
    history = Job.objects.filter(kind=IMPORT_KIND, created_by=request.user).order_by("-created_at")[:20]
    return render(
        request,
        "monitoring/watch_import.html",
        {
            "page_title": "比对数据导入",
            "form": form,
            "history": history,
            "layouts": list(LAYOUTS.values()),
            "sources": dict(Source.choices),
        },
    )


@login_required
@require_GET
def import_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_import_job(request.user, pk)
    template = (
        "monitoring/watch_import_job.html#progress" if request.htmx else "monitoring/watch_import_job.html"
    )
    return render(
        request,
        template,
        {"page_title": "比对导入进度", "job": job, "source": Source(job.params["source"]).label},
    )


@login_required
@require_POST
@one_time_form
def import_commit_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    preview = get_import_job(request.user, pk)
    commit = import_commit(by=request.user, preview=preview, mode=request.POST.get("mode", ""))
    return redirect("monitoring:import_job", pk=commit.pk)


@login_required
@require_GET
def import_errors(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    job = get_import_job(request.user, pk)
    fh, filename = open_error_workbook(job)
    log_download(by=request.user, obj=job, area_code=job.area_code, what=filename)
    return FileResponse(fh, as_attachment=True, filename=filename, content_type=XLSX)


@login_required
@require_GET
def import_template(request: AuthenticatedHttpRequest, source: str) -> HttpResponse:
    """An empty file in the source's layout, with one example row (a made-up ID number)."""
    layout = layout_of(source)
    headers = [ID_HEADERS[0], "姓名", RECORD_HEADERS[0], layout.date_headers[0]]
    example = [idnumber.make("11010119900307001"), "张三", layout.records[0].name, clock.today().isoformat()]
    if layout.amount_headers:
        headers.append(layout.amount_headers[0])
        example.append("12000.00")
    headers.append(layout.note_headers[0])
    example.append("")
    title = f"{layout.label}比对文件模板"
    return attachment(xlsx_bytes(title, headers, [example]), f"{title}.xlsx", XLSX)


# --- warnings ---------------------------------------------------------------------------------------


def _filtered(request: AuthenticatedHttpRequest):
    g = request.GET
    qs = warnings_visible_to(request.user).select_related("household", "member").order_by("due_on", "-id")
    status = g.get("status", "open")
    if status in WarningStatus.values:
        qs = qs.filter(status=status)
    for key, field in (("source", "source"), ("category", "category"), ("township", "township_code")):
        if g.get(key):
            qs = qs.filter(**{field: g[key]})
    if g.get("overdue"):
        qs = qs.filter(status=WarningStatus.OPEN, due_on__lt=clock.today())
    return qs, status


@login_required
@require_GET
def warning_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    qs, status = _filtered(request)
    place = names()
    if wants_export(request):
        return xlsx_response(
            "监测预警",
            ["编号", "来源", "类别", "乡镇（街道）", "户主", "家庭类别", "内容", "核实期限", "状态", "处置"],
            (
                (
                    w.number,
                    w.get_source_display(),
                    w.get_category_display(),
                    place.get(w.township_code, ""),
                    w.household.head_name,
                    w.get_household_category_display(),
                    w.detail,
                    w.due_on,
                    w.get_status_display(),
                    w.get_resolution_display(),
                )
                for w in stream_rows(qs)
            ),
        )
    return render(
        request,
        "monitoring/watch_warning_list.html",
        {
            "page_title": "监测预警",
            "listing": paginate(request, qs),
            "f": request.GET,
            "status": status,
            "names": place,
            "today": clock.today(),
            "statuses": WarningStatus.choices,
            "sources": Source.choices,
            "categories": WarningCategory.choices,
            "townships": townships_for(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def warning_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    w = get_warning(request.user, pk)
    url = reverse("monitoring:warning_detail", args=[pk])
    members = list(w.household.members.filter(is_active=True).order_by("pk"))
    today = clock.today()
    verify = bound(request, "verify", f.VerifyForm, on=today)
    enrol = bound(
        request,
        "enrol",
        lambda *a, **k: f.EnrolForm(*a, members=members, **k),
        applicant=str(w.member_id),
    )
    adjust = bound(request, "adjust", f.AdjustForm)
    refer = bound(request, "refer", f.ReferForm, sent_on=today)
    close = bound(request, "close", f.CloseForm)
    answer = bound(request, "answer", f.AnswerForm, answered_on=today)
    action = request.POST.get("action")
    by = request.user
    actions = {
        "verify": (
            verify,
            lambda d: services.warning_verify(
                by=by, warning=w, method=d["method"], on=d["on"], note=d["note"], confirmed=d["confirmed"]
            ),
            "已登记核实情况",
        ),
        "enrol": (
            enrol,
            lambda d: services.warning_enrol(
                by=by,
                warning=w,
                assistance_type=d["assistance_type"],
                applicant=next((m for m in members if str(m.pk) == d["applicant"]), None),
                reason=d["reason"],
            ),
            "已登记救助申请",
        ),
        "adjust": (
            adjust,
            lambda d: services.warning_adjust(by=by, warning=w, outcome=d["outcome"], findings=d["findings"]),
            "已调整待遇（次月起执行）",
        ),
        "refer": (
            refer,
            lambda d: services.warning_refer(
                by=by,
                warning=w,
                need=d["need"],
                department=d["department"],
                note=d["note"],
                sent_on=d["sent_on"],
            ),
            "已转介专项救助",
        ),
        "close": (close, lambda d: services.warning_close(by=by, warning=w, reason=d["reason"]), "已处置"),
        "answer": (
            answer,
            lambda d: services.referral_answer(
                by=by,
                referral=w.referral,
                answer=d["answer"],
                answered_on=d["answered_on"],
                granted=d["granted"],
                amount=d["amount"],
            ),
            "已登记部门反馈",
        ),
    }
    failed = None
    if action in actions:
        form, run, done = actions[action]
        response = run_form(request, form, run, done, url)
        if response is not None:
            return response
        failed = form  # its error is shown at the top too: the form may not be offered in this state
    referral = getattr(w, "referral", None)
    change = w.review.change if w.review_id and w.review else None
    return render(
        request,
        "monitoring/watch_warning_detail.html",
        {
            "page_title": f"监测预警 {w.number}",
            "w": w,
            "referral": referral,
            "change": change,
            "enrolment": services.adjustable_enrolment(w) if w.status == WarningStatus.VERIFIED else None,
            "place": names().get(w.township_code, ""),
            "overdue": w.status == WarningStatus.OPEN and w.due_on < today,
            "may_handle": authz.can(by, Perm.WARNING_HANDLE, w.area_code),
            "verify": verify,
            "enrol": enrol,
            "adjust": adjust,
            "refer": refer,
            "close": close,
            "answer": answer,
            "failed": failed,
        },
    )
