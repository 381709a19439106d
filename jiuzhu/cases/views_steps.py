"""Pages of the workflow after acceptance: the step panel of the case page, one endpoint per action (driven
by a table), work queues with bulk actions, and the deadline lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from jiuzhu.cases import forms_steps as f
from jiuzhu.cases import queues, selectors
from jiuzhu.cases.actors import actor_for
from jiuzhu.cases.deadlines import deadline_of
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import EmergencyAid
from jiuzhu.cases.profiles import profile_of
from jiuzhu.cases.routing import township_cap
from jiuzhu.cases.services import steps
from jiuzhu.cases.workflow import TRANSITIONS, available_actions, next_steps
from jiuzhu.core import clock
from jiuzhu.core.errors import RECOVERABLE, DomainError, NotFound
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.forms import apply_error
from jiuzhu.core.listing import paginate, wants_export
from jiuzhu.core.redirects import safe_next
from jiuzhu.core.types import MONTHLY_TYPES
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.orgs.roles import Perm


def township_staff(case) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organisation__jurisdiction_id=case.township_code,
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("full_name")
    )


@dataclass(frozen=True)
class ActionForm:
    form: Callable
    run: Callable  # (request, case, cleaned_data, form) -> None
    done: str


def _today_init(**extra):
    return {
        "on": clock.today(),
        "held_on": clock.today(),
        "visited_on": clock.today(),
        "completed_on": clock.today(),
        "received_on": clock.today(),
        "handled_on": clock.today(),
        "start_on": clock.today(),
        "registered_on": clock.today(),
        **extra,
    }


def _meeting(d, form) -> steps.MeetingInput:
    return steps.MeetingInput(
        held_on=d["held_on"],
        attendees=form.attendee_list(),
        minutes=d["minutes"],
        outcome=d["outcome"],
        amount=d["amount"],
        covered_members=d["covered_members"],
        reasons=d["reasons"],
    )


def _verification(d) -> steps.VerificationResult:
    return steps.VerificationResult(
        completed_on=d["completed_on"],
        result=d["result"],
        monthly_income=d["monthly_income"],
        per_capita_income=d["per_capita_income"],
        assets_value=d["assets_value"],
        findings=d["findings"],
    )


ACTIONS: dict[str, ActionForm] = {
    "pre_verify_request": ActionForm(
        f.DateForm,
        lambda r, c, d, fm: steps.pre_verify_request(by=r.user, case=c, on=d["on"]),
        "已发起申请前核对",
    ),
    "pre_verify_result": ActionForm(
        f.VerificationResultForm,
        lambda r, c, d, fm: steps.pre_verify_result(by=r.user, case=c, data=_verification(d)),
        "已登记核对结果",
    ),
    "verify_request": ActionForm(
        f.DateForm,
        lambda r, c, d, fm: steps.verify_request(by=r.user, case=c, on=d["on"]),
        "已发起核对，核对期间不计入审批时限",
    ),
    "verify_result": ActionForm(
        f.VerificationResultForm,
        lambda r, c, d, fm: steps.verify_result(by=r.user, case=c, data=_verification(d)),
        "已登记核对结果",
    ),
    "investigate": ActionForm(
        f.InvestigationForm,
        lambda r, c, d, fm: steps.investigate(
            by=r.user,
            case=c,
            data=steps.InvestigationInput(
                visited_on=d["visited_on"],
                investigator_ids=[int(i) for i in d["investigators"]],
                home_visit=d["home_visit"],
                conclusion=d["conclusion"],
                neighbour_interviews=d["neighbour_interviews"],
                letters=d["letters"],
                village_helper=d["village_helper"],
                investigators_signed=d["investigators_signed"],
                applicant_signed=d["applicant_signed"],
            ),
        ),
        "已登记入户调查",
    ),
    "review": ActionForm(
        f.ReviewForm,
        lambda r, c, d, fm: steps.review(
            by=r.user,
            case=c,
            data=steps.ReviewInput(
                held_on=d["held_on"],
                panel=d["panel"].splitlines(),
                minutes=d["minutes"],
                votes_for=d["votes_for"],
                votes_against=d["votes_against"],
                all_signed=d["all_signed"],
            ),
        ),
        "已登记民主评议",
    ),
    "decide": ActionForm(
        f.MeetingForm,
        lambda r, c, d, fm: steps.decide(by=r.user, case=c, data=_meeting(d, fm)),
        "已登记审批会议",
    ),
    "township_review": ActionForm(
        f.MeetingForm,
        lambda r, c, d, fm: steps.township_review(by=r.user, case=c, data=_meeting(d, fm)),
        "已审核，报民政局审批",
    ),
    "bureau_decide": ActionForm(
        f.MeetingForm,
        lambda r, c, d, fm: steps.bureau_decide(by=r.user, case=c, data=_meeting(d, fm)),
        "民政局已作出审批",
    ),
    "return_to_township": ActionForm(
        f.ReturnForm,
        lambda r, c, d, fm: steps.return_to_township(by=r.user, case=c, on=d["on"], reason=d["reason"]),
        "已退回乡镇（街道）",
    ),
    "file_with_bureau": ActionForm(
        f.DateForm,
        lambda r, c, d, fm: steps.file_with_bureau(by=r.user, case=c, on=d["on"], note=d["note"]),
        "已报民政局备案",
    ),
    "post_notice": ActionForm(
        f.NoticeForm,
        lambda r, c, d, fm: steps.post_notice(
            by=r.user, cases=[c], start_on=d["start_on"], places=d["places"]
        ),
        "已张榜公示",
    ),
    "object": ActionForm(
        f.ObjectionForm,
        lambda r, c, d, fm: steps.register_objection(
            by=r.user,
            case=c,
            received_on=d["received_on"],
            content=d["content"],
            raised_by=d["raised_by"],
            contact=d["contact"],
        ),
        "已登记异议",
    ),
    "resolve_objection": ActionForm(
        f.ResolveForm,
        lambda r, c, d, fm: steps.resolve_objection(
            by=r.user, case=c, handled_on=d["handled_on"], outcome=d["outcome"], handling=d["handling"]
        ),
        "已登记复核结论",
    ),
    "finalize": ActionForm(
        f.DateForm, lambda r, c, d, fm: steps.finalize(by=r.user, case=c, on=d["on"]), "已批准"
    ),
    "emergency_aid": ActionForm(
        f.EmergencyAidForm,
        lambda r, c, d, fm: steps.emergency_aid(
            by=r.user, case=c, requested_at=d["requested_at"], paid_at=d["paid_at"], amount=d["amount"]
        ),
        "已登记先行救助",
    ),
    "emergency_register": ActionForm(
        f.EmergencyRegisterForm,
        lambda r, c, d, fm: steps.emergency_register(
            by=r.user,
            case=c,
            registered_on=d["registered_on"],
            recipient_note=d["recipient_note"],
            signatures_completed=d["signatures_completed"],
        ),
        "已补办登记",
    ),
}


def _form_for(action: str, case, data=None):
    spec = ACTIONS[action]
    initial = _today_init(
        covered_members=case.household.members.filter(is_active=True, covered=True).count(),
        # Monthly amounts come from the calculator (B1, B2): left blank, the service fills them in.
        amount="" if case.assistance_type in MONTHLY_TYPES else (case.requested_amount or ""),
        requested_at=timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"),
        paid_at=timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"),
    )
    kwargs = {"staff": township_staff(case)} if action == "investigate" else {}
    form = spec.form(data, prefix=action, initial=initial, **kwargs)
    if action == "emergency_aid":
        cap = township_cap(case, clock.today())
        if cap is not None and steps.current_route(case).delegated:
            bureau = steps.bureau_of(case)
            form.fields[
                "amount"
            ].help_text = (
                f"乡镇（街道）审批上限 {cap} 元；超过上限的由{bureau.name if bureau else '民政局'}审批"
            )
    return form


# Service field names that a form calls differently.
FORM_FIELDS = {"investigator_ids": "investigators"}


def _show_error(form, exc: DomainError) -> None:
    renamed = {FORM_FIELDS.get(k, k): v for k, v in exc.field_errors.items()}
    apply_error(form, type(exc)(exc.message, field_errors=renamed))


def step_context(request: HttpRequest, case: Case, bound: dict | None = None) -> dict:
    """The step panel: what the case waits for and who must act, then the viewer's forms, what is due first.
    `bound` holds a form the user submitted with errors: it is shown open, with what was typed."""
    bound = bound or {}
    mine = {t.action for t, _ in available_actions(case, request.user)}
    upcoming = next_steps(case)
    due = [(t, reason) for t, reason in upcoming if not t.is_optional(case)]
    lead = None
    if due:
        t, reason = due[0]
        lead = {
            "t": t,
            "reason": reason,
            "mine": t.action in mine,
            "actor": None if t.action in mine else actor_for(case, t.perm_on(case)),
            "here": t.action in ACTIONS,
        }
    # An optional action that is blocked is neither awaited nor possible: not shown.
    step_actions = [
        (t, reason, bound.get(t.action) or _form_for(t.action, case), optional)
        for t, reason in upcoming
        if t.action in mine and t.action in ACTIONS and not ((optional := t.is_optional(case)) and reason)
    ]
    open_action = next(iter(bound), None) or next(
        (t.action for t, reason, _, optional in step_actions if reason is None and not optional), None
    )
    can_see_verification = steps.verification_visible(request.user, case)
    return {
        "route": steps.current_route(case),
        "deadline": deadline_of(case),
        "profile": profile_of(case),
        "next_lead": lead,
        "step_actions": step_actions,
        "open_action": open_action,
        "can_see_verification": can_see_verification,
        "verifications": steps.verifications_for(request.user, case) if can_see_verification else [],
        "investigations": case.investigations.prefetch_related("investigators"),
        "reviews": case.reviews.all(),
        "meetings": case.meetings.select_related("signed_by"),
        "public_notices": case.public_notices.all(),
        "objections": case.objections.all(),
        "decision": getattr(case, "decision", None),
        "emergency": getattr(case, "emergency", None),
        "steps": case.steps.select_related("by"),
        "dispute_form": f.DisputeForm(),
        "can_mark_disputed": authz.can(request.user, Perm.CASE_PROCESS, case.area_code)
        and case.status in ("accepted", "verified", "investigated")
        and not case.disputed,
    }


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    if action not in ACTIONS:
        raise NotFound()
    authz.require(request.user, TRANSITIONS[action].perm_on(case), case.area_code)
    form = _form_for(action, case, request.POST)
    if form.is_valid():
        try:
            ACTIONS[action].run(request, case, form.cleaned_data, form)
        except RECOVERABLE as exc:
            _show_error(form, exc)
        else:
            messages.success(request, ACTIONS[action].done)
            return done_redirect(request, case)
    return form_with_errors(request, case, action, form)


def done_redirect(request: HttpRequest, case: Case) -> HttpResponse:
    """After a step: the case page again, with the new state (htmx navigates the whole page there)."""
    url = reverse("case_detail", args=[case.pk])
    if request.htmx:
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url + "#steps")


def form_with_errors(request: HttpRequest, case: Case, key: str, form) -> HttpResponse:
    """A form submitted with errors comes back as typed, each error next to its field: in place (htmx), or
    as the whole case page with that form open, which then brings the first wrong field into view."""
    if request.htmx:
        template = "cases/_filing_form.html" if key.startswith("filing") else "cases/_step_form.html"
        return render(
            request,
            template,
            {"case": case, "t": TRANSITIONS.get(key), "form": form, "relative_pk": form.data.get("relative")},
        )
    from jiuzhu.cases.views import case_page

    return case_page(request, case, bound={key: form})


@login_required
@require_POST
def mark_disputed(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    form = f.DisputeForm(request.POST)
    try:
        steps.mark_disputed(by=request.user, case=case, reason=form.data.get("reason", ""))
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已标记为有争议，审批前须进行民主评议")
    return redirect(reverse("case_detail", args=[case.pk]) + "#steps")


# --- queues and deadlines -----------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    name = request.GET.get("q", "todo")
    if name not in dict(queues.QUEUES):
        name = "todo"
    if name in ("overdue", "warning"):
        rows = getattr(queues, name)(request.user)
        items = [(c, d) for c, d in rows]
        listing = None
    else:
        qs = getattr(queues, name)(request.user).order_by("-updated_at")
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
                    for c in qs
                ),
            )
        listing = paginate(request, qs)
        items = [(c, deadline_of(c)) for c in listing.object_list]
    counts = {
        key: (
            len(getattr(queues, key)(request.user))
            if key in ("overdue", "warning")
            else getattr(queues, key)(request.user).count()
        )
        for key, _ in queues.QUEUES
    }
    bulk = [
        t
        for t in TRANSITIONS.values()
        if t.bulk
        and (
            authz.can(request.user, t.perm)
            or (t.perm_for and authz.can(request.user, Perm.CASE_DECIDE_BUREAU))
        )
    ]
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
def bulk_action(request: HttpRequest, action: str) -> HttpResponse:
    """Bulk actions where staff expect them: post the notice for several cases, or approve several after the
    notice (each case is still one transition; all or none)."""
    ids = request.POST.getlist("case")
    cases = list(selectors.cases_visible_to(request.user).filter(pk__in=ids))
    if not cases or len(cases) != len(set(ids)):
        messages.error(request, "请选择申请（所选申请不在您的辖区内的不予处理）")
        return redirect(safe_next(request, "queue"))  # only within this site
    try:
        if action == "post_notice":
            form = f.NoticeForm(request.POST)
            if not form.is_valid():
                raise steps.ValidationFailed("请填写公示开始日期")
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
def deadlines(request: HttpRequest) -> HttpResponse:
    """P7 and P8: overdue and nearly overdue cases, and late emergency registrations, for the township and
    for the bureau."""
    township = request.GET.get("township", "")
    rows = queues.with_deadlines(
        queues.open_time_limited(request.user).filter(township_code=township)
        if township
        else queues.open_time_limited(request.user)
    )
    rows = [(c, d) for c, d in rows if d.stopped_on is None]
    rows.sort(key=lambda r: r[1].left)
    show = request.GET.get("show", "risk")
    if show == "risk":
        rows = [(c, d) for c, d in rows if d.overdue or d.warning]
    emergencies = EmergencyAid.objects.filter(
        case__in=selectors.cases_visible_to(request.user)
    ).select_related("case")
    late_registrations = [
        e
        for e in emergencies
        if (e.registered_on is None and e.register_due_on < clock.today()) or e.registration_late
    ]
    late_aid = [e for e in emergencies if e.late]
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
                for c, d in rows
            ),
        )
    townships = Jurisdiction.objects.filter(
        authz.scope_q(request.user, "code"), level=Level.TOWNSHIP
    ).order_by("code")
    return render(
        request,
        "cases/deadlines.html",
        {
            "page_title": "办理时限",
            "rows": rows,
            "names": names,
            "townships": townships,
            "f": request.GET,
            "show": show,
            "late_registrations": late_registrations,
            "late_aid": late_aid,
        },
    )


def queue_panel(request: HttpRequest, membership) -> tuple[str, dict] | None:
    """Landing panel: the user's queues at a glance."""
    return "cases/panels/queue.html", {
        "todo": queues.todo(request.user).count(),
        "overdue": len(queues.overdue(request.user)),
        "warning": len(queues.warning(request.user)),
        "recent": queues.todo(request.user).order_by("-updated_at")[:6],
    }
