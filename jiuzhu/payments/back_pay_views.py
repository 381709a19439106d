"""The 补发 page: proposals waiting for the bureau, and what was approved, paid or refused, with the
months each covers and the payroll that paid them."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jiuzhu.core.errors import RECOVERABLE
from jiuzhu.core.exports import stream_rows, xlsx_response
from jiuzhu.core.listing import wants_export
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.payments import selectors
from jiuzhu.payments.models import BackPayStatus
from jiuzhu.payments.services.back_pay import back_pay_decide, months_label

LIMIT = 500  # enrolments shown at once; the export has every row


@login_required
@require_http_methods(["GET", "POST"])
def back_pays(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    if request.method == "POST":
        raw = request.POST.get("enrolment", "")
        enrolment = selectors.get_back_pay_enrolment(request.user, int(raw) if raw.isdigit() else 0)
        approve = request.POST.get("action") == "approve"
        try:
            rows = back_pay_decide(
                by=request.user, enrolment=enrolment, approve=approve, note=request.POST.get("note", "")
            )
        except RECOVERABLE as exc:
            messages.error(request, exc.message)
        else:
            months = months_label(r.for_month for r in rows)
            messages.success(
                request, f"已{'批准' if approve else '不予'}补发 {enrolment.household.head_name}户 {months}"
            )
        return redirect(request.get_full_path())
    status = request.GET.get("status", BackPayStatus.PROPOSED)
    qs = selectors.back_pays_visible_to(request.user).order_by("township_code", "enrolment_id", "for_month")
    if status in BackPayStatus.values:
        qs = qs.filter(status=status)
    if wants_export(request):
        return xlsx_response(
            "补发",
            [
                "户主",
                "救助类型",
                "补发原因",
                "补发月份",
                "金额（元）",
                "状态",
                "补发所在台账月份",
                "审批意见",
            ],
            (
                (
                    r.enrolment.household.head_name,
                    r.enrolment.get_assistance_type_display(),
                    r.get_reason_display(),
                    f"{r.for_month:%Y-%m}",
                    r.amount,
                    r.get_status_display(),
                    f"{r.entry.month:%Y-%m}" if r.entry is not None else "",
                    r.note,
                )
                for r in stream_rows(qs)
            ),
        )
    groups = []
    for _, grouped in groupby(qs[: LIMIT * 12], key=lambda r: (r.enrolment_id, r.status)):
        rows = list(grouped)
        groups.append(
            {
                "enrolment": rows[0].enrolment,
                "rows": rows,
                "months": months_label(r.for_month for r in rows),
                "total": sum(r.amount for r in rows),
                "reasons": "；".join(sorted({r.get_reason_display() for r in rows})),
                "can_decide": rows[0].status == BackPayStatus.PROPOSED
                and authz.can(request.user, Perm.CYCLE_MANAGE, rows[0].area_code),
            }
        )
    return render(
        request,
        "payments/back_pays.html",
        {
            "page_title": "补发审批",
            "groups": groups[:LIMIT],
            "status": status,
            "statuses": BackPayStatus.choices,
        },
    )
