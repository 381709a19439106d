"""Pages of proactive discovery (A2): the village's reports and their export, a new report, and recording
that the household declines to apply (turning a report into an application is a page of cases)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core import clock
from jiuzhu.core.errors import RECOVERABLE
from jiuzhu.core.exports import stream_rows, xlsx_response
from jiuzhu.core.forms import apply_error
from jiuzhu.core.formtokens import one_time_form
from jiuzhu.core.listing import paginate, wants_export
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry import selectors
from jiuzhu.registry.forms import DeclineForm, DiscoveryForm
from jiuzhu.registry.models import DiscoveryStatus
from jiuzhu.registry.services import discovery


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def discovery_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    qs = selectors.discoveries_visible_to(request.user)
    if status := request.GET.get("status"):
        qs = qs.filter(status=status)
    villages = selectors.villages_for(request.user, Perm.DISCOVERY_REPORT)
    form = DiscoveryForm(request.POST or None, villages=villages, initial={"reported_on": clock.today()})
    if request.method == "POST":
        authz.require(request.user, Perm.DISCOVERY_REPORT)
        if form.is_valid():
            d = form.cleaned_data
            try:
                discovery.discovery_create(
                    by=request.user,
                    area_code=d["area_code"],
                    family_name=d["family_name"],
                    address=d["address"],
                    phone=d["phone"],
                    situation=d["situation"],
                    suggested_type=d["suggested_type"],
                    reported_on=d["reported_on"],
                )
            except RECOVERABLE as exc:
                apply_error(form, exc)
            else:
                messages.success(request, "已报告，乡镇（街道）将联系该户")
                return redirect("discoveries")
    if wants_export(request):
        return xlsx_response(
            "主动发现报告",
            ["发现日期", "家庭联系人", "住址", "困难情况", "状态", "报告人"],
            (
                (
                    r.reported_on,
                    r.family_name,
                    r.address,
                    r.situation,
                    r.get_status_display(),
                    r.reported_by.get_full_name(),
                )
                for r in stream_rows(qs)
            ),
        )
    return render(
        request,
        "registry/discoveries.html",
        {
            "page_title": "主动发现",
            "listing": paginate(request, qs),
            "form": form if villages else None,
            "statuses": DiscoveryStatus.choices,
            "f": request.GET,
            "decline_form": DeclineForm(),
            "can_convert": authz.can(request.user, Perm.CASE_CREATE),
        },
    )


@login_required
@require_POST
def discovery_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_discovery(request.user, pk)
    form = DeclineForm(request.POST)
    try:
        discovery.discovery_decline(
            by=request.user, report=report, note=form.cleaned_data["note"] if form.is_valid() else ""
        )
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已记录：本户不同意申请")
    return redirect("discoveries")
