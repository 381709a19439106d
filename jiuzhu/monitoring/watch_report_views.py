"""The monitoring dashboard per township and month, and the county's 动态监测月报 (Excel, PDF)."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiuzhu.core import audit, clock
from jiuzhu.core.dates import month_start
from jiuzhu.core.exports import XLSX, attachment
from jiuzhu.monitoring import watch_report
from jiuzhu.monitoring.models.watch import Resolution, Source, WarningCategory
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm


def _month(request: AuthenticatedHttpRequest) -> date:
    """?month=YYYY-MM; the current month when missing or not a month."""
    text = request.GET.get("month", "")
    try:
        year, month = (int(p) for p in text.split("-")[:2])
        return date(year, month, 1) if 2000 <= year <= 2200 else month_start(clock.today())
    except ValueError:
        return month_start(clock.today())


def _audit_export(request: AuthenticatedHttpRequest, month: date, kind: str) -> None:
    with transaction.atomic():
        audit.record(
            actor=request.user,
            membership=authz.membership_for(request.user, Perm.VIEW),
            action="monitoring.report",
            object_type="monitoring.report",
            object_repr=f"动态监测月报 {month:%Y-%m}（{kind}）",
        )


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.VIEW)
    month = _month(request)
    report = watch_report.month_report(request.user, month)
    return render(
        request,
        "monitoring/watch_dashboard.html",
        {
            "page_title": "监测统计与月报",
            "report": report,
            "month_value": f"{month:%Y-%m}",
            "sources": Source.choices,
            "categories": WarningCategory.choices,
            "resolutions": Resolution.choices,
            "overdue": watch_report.overdue_count(request.user),
        },
    )


@login_required
@require_GET
def report_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.VIEW)
    month = _month(request)
    content = watch_report.report_xlsx(watch_report.month_report(request.user, month))
    _audit_export(request, month, "Excel")
    return attachment(content, f"动态监测月报-{month:%Y-%m}.xlsx", XLSX)


@login_required
@require_GET
def report_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.VIEW)
    month = _month(request)
    pdf = watch_report.report_pdf(watch_report.month_report(request.user, month), request.user)
    _audit_export(request, month, "PDF")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(f'动态监测月报-{month:%Y-%m}.pdf')}"
    return response
