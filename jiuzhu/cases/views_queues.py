"""Work lists across cases: the queues (待办 / 已办 / 办结 / 逾期 / 即将超期) with their bulk actions, the deadline
lists (P7, P8) and the queue panel of the landing page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from jiuzhu.cases import forms_steps as f
from jiuzhu.cases import queues, selectors
from jiuzhu.cases.services import steps
from jiuzhu.cases.transitions import bulk_actions
from jiuzhu.core import clock
from jiuzhu.core.errors import RECOVERABLE, NotFound, ValidationFailed
from jiuzhu.core.exports import stream_rows, xlsx_response
from jiuzhu.core.listing import Tally, paginate, wants_export
from jiuzhu.core.redirects import safe_next
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import Jurisdiction, Level


@login_required
@require_GET
def queue(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    name = request.GET.get("q", "todo")
    if name not in dict(queues.QUEUES):
        name = "todo"
    shown = queues.queue(request.user, name)
    qs = shown.cases
    if state := request.GET.get("status"):
        qs = qs.filter(status=state)
    if wants_export(request):
        return xlsx_response(
            f"工作队列-{dict(queues.QUEUES)[name]}",
            ["申请编号", "户主", "类型", "状态", "申请日期", "更新时间"],
            (
                (
                    c.number,
                    c.household.head_name,
                    c.get_assistance_type_display(),
                    c.status_label,
                    c.applied_on,
                    c.updated_at,
                )
                for c in stream_rows(qs.select_related("household"))
            ),
        )
    listing = paginate(request, qs)
    deadlines_shown = dict(queues.with_deadlines(listing.object_list))
    items = [(c, deadlines_shown.get(c)) for c in listing.object_list]
    # The page's queue, unfiltered, was just counted for its pages (a county's open cases: 10^5 at scale).
    shown_total = {} if state else {name: Tally(listing.total, listing.estimated)}
    counts = queues.counts(request.user, shown_total)
    bulk = bulk_actions(request.user)
    return render(
        request,
        "cases/queue.html",
        {
            "page_title": "我的待办",
            "name": name,
            "queues": queues.QUEUES,
            "counts": counts,
            "items": items,
            "listing": listing,
            "bulk": bulk,
            "notice_form": f.NoticeForm(initial={"start_on": clock.today()}),
            "f": request.GET,
        },
    )


@login_required
@require_POST
def bulk_action(request: AuthenticatedHttpRequest, action: str) -> HttpResponse:
    """Bulk actions where staff expect them: post the notice for several cases, or approve several after the
    notice (each case is still one transition; all or none)."""
    try:
        cases = selectors.bulk_cases(request.user, request.POST.getlist("case"))
    except NotFound:
        messages.error(request, "请选择申请（所选申请不在您的辖区内的不予处理）")
        return redirect(safe_next(request, "queue"))  # only within this site
    try:
        if action == "post_notice":
            form = f.NoticeForm(request.POST)
            if not form.is_valid():
                raise ValidationFailed("请填写公示开始日期")
            steps.post_notice(
                by=request.user,
                cases=cases,
                start_on=form.cleaned_data["start_on"],
                places=form.cleaned_data["places"],
            )
            messages.success(request, f"已对 {len(cases)} 件申请张榜公示")
        elif action == "finalize":
            steps.finalize_many(by=request.user, cases=cases)
            messages.success(request, f"已批准 {len(cases)} 件申请")
        else:
            raise NotFound()
    except RECOVERABLE as exc:
        messages.error(request, f"未处理任何申请：{exc.message}")
    return redirect(safe_next(request, "queue"))  # only within this site


@login_required
@require_GET
def deadlines(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """P7 and P8: overdue and nearly overdue cases, and late emergency registrations, for the township and
    for the bureau."""
    township = request.GET.get("township", "")
    qs = queues.running(request.user)
    if township:
        qs = qs.filter(township_code=township)
    show = request.GET.get("show", "risk")
    if show == "risk":
        today = clock.today()
        qs = qs.filter(queues.overdue_q(today) | queues.warning_q(today))
    late_registrations = selectors.late_emergency_aids(request.user, kind="registration")
    late_aid = selectors.late_emergency_aids(request.user, kind="aid")
    names = dict(Jurisdiction.objects.filter(level=Level.TOWNSHIP).values_list("code", "name"))
    if wants_export(request):
        return xlsx_response(
            "办理时限",
            [
                "申请编号",
                "乡镇（街道）",
                "类型",
                "状态",
                "受理日期",
                "时限",
                "已用",
                "剩余",
                "应办结日期",
                "逾期",
            ],
            (
                (
                    c.number,
                    names.get(c.township_code, ""),
                    c.get_assistance_type_display(),
                    c.status_label,
                    d.accepted_on,
                    d.limit,
                    d.used,
                    d.left,
                    d.due_on,
                    d.overdue,
                )
                for c, d in queues.with_deadlines(qs.iterator(chunk_size=500))
            ),
        )
    townships = Jurisdiction.objects.filter(
        authz.scope_q(request.user, "code"), level=Level.TOWNSHIP
    ).order_by("code")
    listing = paginate(request, qs)
    return render(
        request,
        "cases/deadlines.html",
        {
            "page_title": "办理时限",
            "rows": queues.with_deadlines(listing.object_list),
            "listing": listing,
            "names": names,
            "townships": townships,
            "f": request.GET,
            "show": show,
            "late_registrations": late_registrations,
            "late_aid": late_aid,
        },
    )


def queue_panel(request: AuthenticatedHttpRequest, membership) -> tuple[str, dict] | None:
    """Landing panel: the user's queues at a glance."""
    return "cases/panels/queue.html", {
        "todo": queues.todo(request.user).count(),
        "overdue": queues.overdue(request.user).count(),
        "warning": queues.warning(request.user).count(),
        "recent": queues.todo(request.user).order_by("-updated_at")[:6],
    }
