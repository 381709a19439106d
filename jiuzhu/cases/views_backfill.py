"""What a bureau officer authorises for a township, as pages: 补录 requests (the township asks on the case page,\nthe bureau decides from its list) and the waiver of an emergency case's missing paperwork (P8)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from jiuzhu.cases import selectors
from jiuzhu.cases.backdating import DATED_ACTIONS, earliest_without_request
from jiuzhu.cases.forms import BackfillDecisionForm, BackfillRequestForm
from jiuzhu.cases.models import Case
from jiuzhu.cases.services.backfill import backfill_decide as decide_service
from jiuzhu.cases.services.backfill import backfill_request as request_service
from jiuzhu.cases.services.backfill import step_label
from jiuzhu.cases.services.steps import emergency_waive
from jiuzhu.core.errors import RECOVERABLE
from jiuzhu.orgs.http import AuthenticatedHttpRequest


def back_to_case(case: Case) -> HttpResponse:
    return redirect("case_detail", pk=case.pk)


def step_choices() -> list[tuple[str, str]]:
    return [(a, step_label(a)) for a in DATED_ACTIONS]


def backfill_context(case: Case, form: BackfillRequestForm | None = None) -> dict:
    """The case page's 补录 card: the limit, the requests and what was entered through them."""
    rows = [(r, step_label(r.action)) for r in case.backfill_requests.select_related("decided_by")]
    return {
        "backfill_form": form or BackfillRequestForm(steps=step_choices(), prefix="backfill"),
        "backfill_rows": rows,
        "backfill_earliest": earliest_without_request(case),
    }


@login_required
@require_POST
def backfill_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    form = BackfillRequestForm(request.POST, steps=step_choices(), prefix="backfill")
    if not form.is_valid():
        messages.error(
            request, "补录申请未提交：" + "；".join(str(e) for errs in form.errors.values() for e in errs)
        )
        return back_to_case(case)
    try:
        request_service(
            by=request.user,
            case=case,
            action=form.cleaned_data["action"],
            step_on=form.cleaned_data["step_on"],
            reason=form.cleaned_data["reason"],
        )
    except RECOVERABLE as exc:
        messages.error(
            request, exc.message + "：" + "；".join(m for ms in exc.field_errors.values() for m in ms)
        )
    else:
        messages.success(request, "补录申请已提交，待民政局审批")
    return back_to_case(case)


@login_required
@require_GET
def backfill_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = [(r, step_label(r.action)) for r in selectors.backfill_requests_to_decide(request.user)]
    return render(
        request,
        "cases/backfills.html",
        {"page_title": "补录审批", "rows": rows, "form": BackfillDecisionForm()},
    )


@login_required
@require_POST
def backfill_decide(request: AuthenticatedHttpRequest, request_pk: int) -> HttpResponse:
    row = selectors.backfill_request_to_decide(request.user, request_pk)
    form = BackfillDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择批准或不批准")
        return redirect("backfills")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        decide_service(by=request.user, request=row, approve=approve, note=form.cleaned_data["note"])
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"已{'批准' if approve else '不批准'} {row.case.number} 的补录申请（{step_label(row.action)}）",
        )
    return redirect("backfills")


@login_required
@require_POST
def emergency_waive_item(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    try:
        emergency_waive(
            by=request.user,
            case=case,
            item_key=request.POST.get("item", "")[:40],
            reason=request.POST.get("reason", ""),
        )
    except RECOVERABLE as exc:
        messages.error(
            request, exc.message + "：" + "；".join(m for ms in exc.field_errors.values() for m in ms)
        )
    else:
        messages.success(request, "已登记免补")
    return back_to_case(case)
