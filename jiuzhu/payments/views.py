"""Pages of the monthly payment cycle: status and runs, the ledger, bank files, reconciliation, statistics."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from itertools import islice

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.core import clock, jobs, params
from jiuzhu.core.dates import add_months, month_start
from jiuzhu.core.errors import RECOVERABLE, NotFound
from jiuzhu.core.exports import XLSX, attachment, stream_rows, xlsx_response
from jiuzhu.core.forms import apply_error
from jiuzhu.core.listing import paginate, wants_export
from jiuzhu.core.models import Job
from jiuzhu.core.replica import reads_replica
from jiuzhu.core.retention import log_download
from jiuzhu.core.types import AssistanceType
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.orgs.roles import Perm
from jiuzhu.orgs.selectors import counties_visible_to
from jiuzhu.payments import cycle, payroll, selectors
from jiuzhu.payments.documents import issue_detail_table
from jiuzhu.payments.forms import BankFileForm, BankFormatForm, ReconcileForm, ReopenForm, RunForm
from jiuzhu.payments.models import AdjustmentReport, BankFile, PayrollRun, Reconciliation
from jiuzhu.payments.services import adjustments, bad_rows, bank_files, reopening
from jiuzhu.payments.services.bank_formats import FIELDS, bank_format_save, formats_for
from jiuzhu.payments.services.reconcile_job import reconcile_start
from jiuzhu.payments.statistics import consistency, frozen, last_run, month_totals, township_totals
from jiuzhu.payments.statistics import statistics as statistics_of


def _county(request: AuthenticatedHttpRequest) -> Jurisdiction:
    counties = list(counties_visible_to(request.user))
    if not counties:
        raise NotFound("您的账号没有所属县（区）")
    code = request.GET.get("county") or request.POST.get("county")
    return next((c for c in counties if c.code == code), counties[0])


def _month(request: AuthenticatedHttpRequest, default: date | None = None) -> date:
    raw = request.GET.get("month", "")
    try:
        return month_start(date.fromisoformat(raw + "-01" if len(raw) == 7 else raw))
    except ValueError:
        return default or month_start(clock.today())


def _names(county: Jurisdiction) -> dict[str, str]:
    return dict(Jurisdiction.objects.filter(code__startswith=county.code[:6]).values_list("code", "name"))


@login_required
@require_GET
def payroll_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    county = _county(request)  # township staff see their own county's cycle and their township's figures
    authz.require(request.user, Perm.VIEW)
    today = clock.today()
    runs = PayrollRun.objects.filter(county_code=county.code).select_related("by")[:24]
    month = month_start(today)
    return render(
        request,
        "payments/home.html",
        {
            "page_title": "月度发放",
            "county": county,
            "counties": counties_visible_to(request.user),
            "lock": cycle.lock_reason(county.code),
            "days": cycle.days(county.code, today),
            "runs": runs,
            "can_run": authz.can(request.user, Perm.PAYROLL_RUN, county.code),
            "can_reopen": authz.can(request.user, Perm.CYCLE_MANAGE, county.code),
            "reopened": cycle.reopened(county.code, month),
            "run_form": RunForm(initial={"month": month}),
            "next_month": add_months(month, 1),
            "reopen_form": ReopenForm(),
            "unpayable": selectors.unpayable(county.code, month)
            .filter(authz.scope_q(request.user, "area_code"))
            .count(),
        },
    )


@login_required
@require_POST
def payroll_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    county = _county(request)
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择发放月份")
        return redirect(f"/payments/?county={county.code}")
    try:
        run = payroll.start(
            by=request.user, county_code=county.code, month=month_start(form.cleaned_data["month"])
        )
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
        return redirect(f"/payments/?county={county.code}")
    return redirect("payroll_run", pk=run.pk)


def _own_township(request: AuthenticatedHttpRequest, county_code: str) -> str:
    """The township of township staff (their figures only); '' for county staff."""
    if authz.in_scope(request.user, county_code):
        return ""
    codes = [p[:9] + "000" for p in authz.scope_prefixes(request.user) or [] if p.startswith(county_code[:6])]
    return codes[0] if codes else ""


def _townships_with_entries(run: PayrollRun, codes: list[str] | None = None) -> list[tuple[str, str]]:
    if codes is None:
        codes = list(township_totals(run.county_code, run.month).values_list("township_code", flat=True))
    names = dict(Jurisdiction.objects.filter(code__in=codes).values_list("code", "name"))
    return [(c, names.get(c, c)) for c in codes]


def _run(request: AuthenticatedHttpRequest, pk: int) -> PayrollRun:
    return selectors.get_run(request.user, pk)


@login_required
@require_GET
def payroll_run(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    if run.status == "running" and run.job is not None and jobs.reap_for_page(run.job):
        run.refresh_from_db()  # its worker vanished: the run is failed now, with the reason
    county = Jurisdiction.objects.get(code=run.county_code)
    context = {"page_title": f"{run.month:%Y年%m月}台账与发放名单", "run": run, "county": county}
    if request.htmx:
        if run.status == "running":
            return render(request, "payments/run.html#progress", context)
        return HttpResponse(headers={"HX-Refresh": "true"})  # finished: the whole page changes
    names = _names(county)
    formats = list(formats_for(county.code))
    # The county's figures are those the month's last run kept (an earlier run's page shows the month as it is
    # now), else one pass over the ledger (2·10^5 lines at province scale); a user whose scope is part of the
    # county gets the scoped sums from a second query.
    figures = frozen(last_run(run.county_code, run.month)) or month_totals(run.county_code, run.month)
    totals = (
        figures.townships
        if authz.in_scope(request.user, run.county_code)
        else township_totals(run.county_code, run.month).filter(authz.scope_q(request.user, "area_code"))
    )
    context |= {
        "totals": [dict(row, name=names.get(row["township_code"], row["township_code"])) for row in totals],
        "unpayable": selectors.unpayable(run.county_code, run.month).filter(
            authz.scope_q(request.user, "area_code")
        )[:200],
        "consistency": consistency(run.county_code, run.month, _own_township(request, run.county_code)),
        "can_sign": authz.can(request.user, Perm.BENEFIT_MANAGE),
        "persons": sum(row["persons"] for row in figures.townships),
        "bank_form": BankFileForm(
            formats=formats,
            townships=_townships_with_entries(run, [row["township_code"] for row in figures.townships]),
            banks=figures.banks,
        ),
        "files": BankFile.objects.filter(county_code=run.county_code, month=run.month).select_related(
            "bank_format", "by"
        )[:20],
        "can_run": authz.can(request.user, Perm.PAYROLL_RUN, run.county_code),
    }
    return render(request, "payments/run.html", context)


@login_required
@require_POST
def bank_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    formats = list(formats_for(run.county_code))
    form = BankFileForm(
        request.POST,
        formats=formats,
        townships=_townships_with_entries(run),
        banks=bank_files.paying_banks(run.county_code, run.month),
    )
    if not form.is_valid():
        messages.error(request, "请选择银行格式和文件类型")
        return redirect("payroll_run", pk=run.pk)
    chosen = next(f for f in formats if str(f.pk) == form.cleaned_data["bank_format"])
    try:
        export = bank_files.bank_file_create(
            by=request.user,
            county_code=run.county_code,
            month=run.month,
            bank_format=chosen,
            file_type=form.cleaned_data["file_type"],
            township_code=form.cleaned_data["township"],
            bank_name=form.cleaned_data["bank"],
        )
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
        return redirect("payroll_run", pk=run.pk)
    content_type = XLSX if form.cleaned_data["file_type"] == "xlsx" else "text/csv"
    return attachment(export.content, export.filename, content_type)


@login_required
@require_POST
def detail_table(request: AuthenticatedHttpRequest, pk: int, township: str) -> HttpResponse:
    """The payment detail table of one township, for its head's signature (B3, M2)."""
    run = _run(request, pk)
    try:
        document = issue_detail_table(
            by=request.user, county_code=run.county_code, month=run.month, township_code=township
        )
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
        return redirect("payroll_run", pk=run.pk)
    return redirect("document_detail", pk=document.pk)


@login_required
@require_POST
def reopen(request: AuthenticatedHttpRequest) -> HttpResponse:
    county = _county(request)
    form = ReopenForm(request.POST)
    try:
        if request.POST.get("close"):
            reopening.close_reopen(by=request.user, county_code=county.code)
            messages.success(request, "已关闭重新开放")
        else:
            reopening.reopen(by=request.user, county_code=county.code, reason=form.data.get("reason", ""))
            messages.success(request, "已重新开放本月业务，处理完毕后请重新生成发放名单并关闭")
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
    return redirect(f"/payments/?county={county.code}")


@login_required
@require_GET
def ledger(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    county = _county(request)
    month = _month(request)
    township = request.GET.get("township", "")
    qs = selectors.entries_for(request.user, county_code=county.code, month=month, township_code=township)
    if t := request.GET.get("type"):
        qs = qs.filter(assistance_type=t)
    if q := request.GET.get("q", "").strip():
        qs = qs.filter(recipient_name__contains=q)
    qs = qs.select_related("payment").order_by("township_code", "area_code", "id")
    names = _names(county)
    types = dict(AssistanceType.choices)
    if wants_export(request):
        return xlsx_response(
            f"台账-{month:%Y%m}",
            [
                "乡镇（街道）",
                "村（社区）",
                "户主",
                "身份证号",
                "救助类型",
                "保障人数",
                "金额",
                "开户银行",
                "账号",
                "计算依据",
                "发放状态",
            ],
            (
                (
                    names.get(e.township_code, ""),
                    names.get(e.area_code, ""),
                    e.recipient_name,
                    e.id_masked,
                    types.get(e.assistance_type, "")
                    + (f"（{e.kind_label}）" if e.kind_label else "")
                    + ("（渐退期）" if e.gradual_exit else ""),
                    e.covered_members,
                    e.amount,
                    e.bank_name,
                    e.account_masked,
                    e.basis,
                    e.payment.get_status_display() if hasattr(e, "payment") else "",
                )
                for e in stream_rows(qs)
            ),
        )
    townships = (
        Jurisdiction.objects.filter(parent=county, level=Level.TOWNSHIP)
        .filter(authz.scope_q(request.user, "code"))
        .order_by("code")
    )
    return render(
        request,
        "payments/ledger.html",
        {
            "page_title": "台账查询",
            "county": county,
            "month": month,
            "listing": paginate(request, qs),
            "names": names,
            "types": AssistanceType.choices,
            "townships": townships,
            "f": request.GET,
        },
    )


@login_required
@require_GET
@reads_replica
def statistics(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    county = _county(request)
    month = _month(request)
    rows, computed_at = statistics_of(request.user, county_code=county.code, month=month)
    names = _names(county)
    types = dict(AssistanceType.choices)
    for row in rows:
        row["township"] = names.get(row["township_code"], row["township_code"])
        row["type"] = types.get(row["assistance_type"], row["assistance_type"])
    if wants_export(request):
        return xlsx_response(
            f"发放统计-{month:%Y%m}",
            ["乡镇（街道）", "救助类型", "户数", "人数", "金额（元）", "其中补发笔数", "其中补发金额（元）"],
            (
                (
                    r["township"],
                    r["type"],
                    r["households"],
                    r["persons"],
                    r["amount"],
                    r["back_pay_lines"],
                    r["back_pay_amount"],
                )
                for r in rows
            ),
            title=f"{county.name}{month:%Y年%m月}社会救助发放统计",
        )
    townships = sorted({r["township"] for r in rows})
    series = [
        {
            "name": label,
            "type": "bar",
            "stack": "amount",
            "data": [
                float(sum(r["amount"] for r in rows if r["township"] == t and r["assistance_type"] == code))
                for t in townships
            ],
        }
        for code, label in AssistanceType.choices
        if any(r["assistance_type"] == code for r in rows)
    ]
    chart = {
        "tooltip": {"trigger": "axis"},
        "legend": {},
        "xAxis": {"type": "category", "data": townships},
        "yAxis": {"type": "value", "name": "元"},
        "series": series,
    }
    return render(
        request,
        "payments/statistics.html",
        {
            "page_title": "发放统计",
            "county": county,
            "month": month,
            "rows": rows,
            "computed_at": computed_at,
            "chart": json.dumps(chart, ensure_ascii=False),
            "totals": {
                "households": sum(r["households"] for r in rows),
                "persons": sum(r["persons"] or 0 for r in rows),
                "amount": sum(r["amount"] for r in rows),
                "back_pay_lines": sum(r["back_pay_lines"] for r in rows),
                "back_pay_amount": sum(r["back_pay_amount"] for r in rows),
            },
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reconcile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload the bank's results: checked at once, imported by a background job whose page shows progress."""
    county = _county(request)
    authz.require(request.user, Perm.RECONCILE, county.code)
    form = ReconcileForm(
        request.POST or None, request.FILES or None, initial={"month": month_start(clock.today())}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = reconcile_start(
                by=request.user,
                county_code=county.code,
                month=month_start(form.cleaned_data["month"]),
                file_name=upload.name,
                content=upload,
                partial=form.cleaned_data["partial"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            return redirect("reconcile_job", pk=job.pk)
    month = _month(request)
    return render(
        request,
        "payments/reconcile.html",
        {
            "page_title": "银行回盘对账",
            "county": county,
            "form": form,
            "month": month,
            "consistency": consistency(county.code, month),
            "target": _target(county.code),
            "history": Reconciliation.objects.filter(county_code=county.code).select_related("by")[:20],
            "jobs": Job.objects.filter(kind=selectors.RECONCILE_KIND, area_code=county.code)
            .select_related("created_by")
            .defer("result")[:10],
        },
        status=422 if request.method == "POST" else 200,  # a valid upload redirected above
    )


def _reconcile_job(request: AuthenticatedHttpRequest, pk: int, *, full: bool = True) -> Job:
    return selectors.get_reconcile_job(request.user, pk, full=full)


@login_required
@require_GET
def reconcile_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _reconcile_job(request, pk, full=not request.htmx)
    if request.htmx:
        if not job.finished:
            return render(request, "payments/reconcile_job.html#progress", {"job": job})
        return HttpResponse(headers={"HX-Refresh": "true"})  # finished: the whole page shows the result
    month, bad_count, rows = bad_rows.bad_rows_of(job)
    shown = list(islice(rows, bad_rows.BAD_ROWS_SHOWN))
    result = job.result or {}
    target = _target(job.area_code)
    return render(
        request,
        "payments/reconcile_job.html",
        {
            "page_title": "银行回盘导入",
            "job": job,
            "county": Jurisdiction.objects.get(code=job.area_code),
            "month": month,
            "r": result,
            "target": target,
            "below_target": Decimal(result.get("consistency", {}).get("rate", "0")) < target,
            "bad_rows": [{"row": b, "reason": b.reason(month)} for b in shown],
            "bad_count": bad_count,
        },
    )


def _target(county_code: str) -> Decimal:
    """S11's target rate for the county (a policy parameter)."""
    value = params.get("quality.ledger_consistency_percent", area_code=county_code, on=clock.today())
    return Decimal(str(value))


@login_required
@require_GET
def reconcile_job_rows(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """Every bad row of a finished reconcile job as Excel (the page lists only the first ones)."""
    job = _reconcile_job(request, pk)
    fh, filename = bad_rows.open_bad_rows(job)
    log_download(by=request.user, obj=job, area_code=job.area_code, what=filename)  # the bank's rows (PI1)
    return FileResponse(fh, as_attachment=True, filename=filename, content_type=XLSX)


@login_required
@require_http_methods(["GET", "POST"])
def bank_formats(request: AuthenticatedHttpRequest) -> HttpResponse:
    county = _county(request)
    authz.require(request.user, Perm.PAYROLL_RUN, county.code)
    form = BankFormatForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ordered = [f for f in request.POST.getlist("fields") if f in form.cleaned_data["fields"]]
        try:
            bank_format_save(
                by=request.user,
                county_code=county.code,
                name=form.cleaned_data["name"],
                fields=ordered,
                encoding=form.cleaned_data["encoding"],
                is_default=form.cleaned_data["is_default"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已保存银行文件格式")
            return redirect(f"/payments/bank-formats/?county={county.code}")
    return render(
        request,
        "payments/bank_formats.html",
        {
            "page_title": "银行文件格式",
            "county": county,
            "formats": formats_for(county.code),
            "form": form,
            "fields": FIELDS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def adjustment_reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """M1: the township's table of next month's dynamic adjustments."""
    memberships = [
        m for m in authz.memberships(request.user) if m.organisation.jurisdiction.level == Level.TOWNSHIP
    ]
    townships = [m.organisation.jurisdiction for m in memberships] or list(
        Jurisdiction.objects.filter(authz.scope_q(request.user, "code"), level=Level.TOWNSHIP).order_by(
            "code"
        )
    )
    if not townships:
        raise NotFound("没有可上报的乡镇（街道）")
    code = request.GET.get("township") or townships[0].code
    township = next((t for t in townships if t.code == code), None)
    if township is None:
        raise NotFound()
    month = add_months(month_start(clock.today()), 1)
    if request.method == "POST":
        try:
            report = adjustments.adjustment_report_submit(
                by=request.user, township_code=township.code, month=month
            )
        except RECOVERABLE as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"已上报{month:%Y年%m月}动态调整表（{report.changes} 条）{'，已逾期' if report.late else ''}",
            )
        return redirect(f"/payments/adjustments/?township={township.code}")
    return render(
        request,
        "payments/adjustments.html",
        {
            "page_title": "月度动态调整表",
            "township": township,
            "townships": townships,
            "month": month,
            "changes": selectors.adjustments_for(township.code, month),
            "reports": AdjustmentReport.objects.filter(township_code=township.code).select_related(
                "by", "document"
            )[:12],
            "deadline": cycle.days(township.code[:6] + "000000", clock.today()).report,
            "can_submit": authz.can(request.user, Perm.BENEFIT_MANAGE, township.code),
        },
    )
