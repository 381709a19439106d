"""Pages of escalation (S7): matters, their steps and letters; the township's supervision queue."""

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
from jiuzhu.documents.selectors import documents_of
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision import forms as f
from jiuzhu.supervision import selectors
from jiuzhu.supervision.models import (
    LETTER_LEVELS,
    Level,
    MatterStatus,
)
from jiuzhu.supervision.rules import label_of
from jiuzhu.supervision.services import escalation
from jiuzhu.supervision.views.common import bound, run_form


def _step_input(d) -> escalation.StepInput:
    return escalation.StepInput(
        level=d["level"],
        issued_on=d["issued_on"],
        due_on=d["due_on"],
        measures=d["measures"],
        responsible=d["responsible"],
        content=d["content"],
    )


@login_required
@require_GET
def matter_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    g = request.GET
    qs = selectors.matters_visible_to(request.user).order_by("-opened_on", "-id")
    if g.get("status"):
        qs = qs.filter(status=g["status"])
    if g.get("level"):
        qs = qs.filter(level=g["level"])
    if g.get("township"):
        qs = qs.filter(township_code=g["township"])
    today = clock.today()
    overdue_ids = set(
        escalation.overdue_steps(today=today).filter(matter__in=qs).values_list("matter_id", flat=True)
    )
    if g.get("overdue"):
        qs = qs.filter(pk__in=overdue_ids)
    names = selectors.names()
    if wants_export(request):
        return xlsx_response(
            "督办事项",
            ["立项日期", "乡镇（街道）", "督办事项", "当前层级", "状态", "逾期", "办结日期"],
            (
                (
                    m.opened_on,
                    names.get(m.township_code, ""),
                    m.title,
                    m.get_level_display(),
                    m.get_status_display(),
                    m.pk in overdue_ids,
                    m.closed_on,
                )
                for m in stream_rows(qs)
            ),
        )
    return render(
        request,
        "supervision/matter_list.html",
        {
            "page_title": "督办",
            "listing": paginate(request, qs),
            "f": g,
            "names": names,
            "overdue_ids": overdue_ids,
            "statuses": MatterStatus.choices,
            "levels": Level.choices,
            "townships": selectors.townships_for(request.user),
            "can_open": authz.can(request.user, Perm.SUPERVISE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def matter_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open a matter, possibly from a finding (?finding=), a warning (?alert=) or a case (?case=)."""
    authz.require(request.user, Perm.SUPERVISE)
    g = request.GET
    finding = selectors.get_finding(request.user, g["finding"]) if g.get("finding") else None
    alert = selectors.get_alert(request.user, g["alert"]) if g.get("alert") else None
    case = case_selectors.get_case(request.user, g["case"]) if g.get("case") else None
    case = case or (finding.case if finding else None) or (alert.case if alert else None)
    township = (
        (finding.township_code if finding else "")
        or (alert.township_code if alert else "")
        or (case.township_code if case else "")
    )
    problem = finding.description if finding else (f"{label_of(alert.rule)}：{alert.detail}" if alert else "")
    townships = [
        t for t in selectors.townships_for(request.user) if authz.can(request.user, Perm.SUPERVISE, t.code)
    ]
    form = f.MatterForm(
        request.POST or None,
        townships=townships,
        initial={
            "township": township,
            "problem": problem,
            "level": Level.PROMPT,
            "issued_on": clock.today(),
            "title": (finding.description[:60] if finding else label_of(alert.rule) if alert else ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            matter = escalation.matter_open(
                by=request.user,
                township_code=d["township"],
                title=d["title"],
                problem=d["problem"],
                step=_step_input(d),
                case=case,
                findings=[finding] if finding else [],
                alerts=[alert] if alert else [],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已立项督办")
            return redirect("sup_matter", pk=matter.pk)
    return render(
        request,
        "supervision/matter_form.html",
        {
            "page_title": "立项督办",
            "form": form,
            "finding": finding,
            "alert": alert,
            "case": case,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def matter_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    matter = selectors.get_matter(request.user, pk)
    url = f"/supervision/matters/{pk}/"
    steps = list(matter.steps.select_related("issued_by", "answered_by", "document").order_by("id"))
    current = steps[-1]
    today = clock.today()
    levels = escalation.next_levels(matter.level)
    escalate = bound(
        request,
        "escalate",
        lambda *a, **k: f.StepForm(*a, levels=levels, **k),
        issued_on=today,
        level=levels[0] if levels else "",
        responsible=current.responsible,
    )
    answer = bound(request, "answer", f.AnswerForm, answered_on=today, version=matter.version)
    close = bound(request, "close", f.CloseForm, version=matter.version)
    action = request.POST.get("action")
    done = None
    if action == "escalate":
        done = run_form(
            request,
            escalate,
            lambda d: escalation.matter_escalate(
                by=request.user,
                matter=matter,
                step=_step_input(d),
                review_note=request.POST.get("review_note", ""),
            ),
            "已升级督办",
            url,
        )
    elif action == "answer":
        done = run_form(
            request,
            answer,
            lambda d: escalation.matter_answer(
                by=request.user,
                matter=matter,
                answer=d["answer"],
                answered_on=d["answered_on"],
                expected_version=d["version"],
            ),
            "已回复整改情况",
            url,
        )
    elif action == "close":
        done = run_form(
            request,
            close,
            lambda d: escalation.matter_close(
                by=request.user, matter=matter, note=d["note"], expected_version=d["version"]
            ),
            "督办事项已办结",
            url,
        )
    elif action == "letter":
        step = selectors.get_step(request.user, matter, request.POST.get("step"))
        try:
            document = escalation.letter_issue(by=request.user, step=step)
        except RECOVERABLE as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已出具{document.title} {document.number}")
            return redirect(url)
    elif action:
        raise NotFound()
    if done:
        return done
    supervise = authz.can(request.user, Perm.SUPERVISE, matter.township_code)
    is_open = matter.status != MatterStatus.CLOSED
    return render(
        request,
        "supervision/matter_detail.html",
        {
            "page_title": "督办事项",
            "matter": matter,
            "steps": steps,
            "current": current,
            "today": today,
            "escalate": escalate,
            "answer": answer,
            "close": close,
            "letter_levels": LETTER_LEVELS,
            "can_escalate": supervise
            and is_open
            and levels
            and (current.answered_on or current.overdue_on(today)),
            "can_close": supervise and is_open and current.answered_on is not None,
            "can_answer": is_open
            and current.answered_on is None
            and authz.can(request.user, Perm.WARNING_HANDLE, matter.township_code),
            "can_letter": supervise,
            "overdue": current.answered_on is None and current.overdue_on(today),
            "documents": {d.subject_id: d for d in documents_of(request.user, steps)},
            "township": selectors.names().get(matter.township_code, ""),
        },
    )


@login_required
@require_GET
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The township's supervision queue: matters to answer, warnings to handle, findings to rectify."""
    authz.require(request.user, Perm.WARNING_HANDLE)
    counts = selectors.queue_counts(request.user)
    today = clock.today()
    matters = list(counts["matters"].order_by("opened_on"))
    current = {m.pk: m.current_step for m in matters}
    return render(
        request,
        "supervision/queue.html",
        {
            "page_title": "督办待办",
            "matters": matters,
            "current": current,
            "today": today,
            "alerts": counts["alerts"].order_by("first_seen_at")[:100],
            "alert_count": counts["alerts"].count(),
            "findings": counts["findings"].order_by("found_on")[:100],
            "complaints": counts["complaints"].order_by("reply_due_on")[:100]
            if counts["complaints"] is not None
            else [],
            "names": selectors.names(),
        },
    )
