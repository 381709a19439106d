"""The step panel of the case page: what the case waits for and who must act, and one form per action of the
transition table the viewer may take (`ACTIONS`, which also drives the endpoint in `views_actions.act`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from jiuzhu.cases import forms_steps as f
from jiuzhu.cases import selectors
from jiuzhu.cases.actors import actor_for
from jiuzhu.cases.deadlines import deadline_of
from jiuzhu.cases.models import Case
from jiuzhu.cases.profiles import profile_of
from jiuzhu.cases.routing import township_cap
from jiuzhu.cases.services import steps
from jiuzhu.cases.transitions import EDITS, available_actions, can, next_steps
from jiuzhu.core import clock
from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import apply_error
from jiuzhu.core.types import MONTHLY_TYPES
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import User


def township_staff(case: Case) -> list[User]:
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


def form_for(action: str, case: Case, data=None):
    spec = ACTIONS[action]
    initial = _today_init(
        covered_members=selectors.covered_count(case),
        # Monthly amounts come from the calculator (B1, B2): left blank, the service fills them in.
        amount="" if case.assistance_type in MONTHLY_TYPES else (case.requested_amount or ""),
        requested_at=timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"),
        paid_at=timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"),
    )
    kwargs = {"staff": township_staff(case)} if action == "investigate" else {}
    form = spec.form(data, prefix=action, initial=initial, **kwargs)
    if action == "emergency_aid":
        cap = township_cap(case, clock.today())
        if cap is not None and selectors.current_route(case).delegated:
            bureau = selectors.bureau_of(case)
            form.fields[
                "amount"
            ].help_text = (
                f"乡镇（街道）审批上限 {cap} 元；超过上限的由{bureau.name if bureau else '民政局'}审批"
            )
    return form


# Service field names that a form calls differently.
FORM_FIELDS = {"investigator_ids": "investigators"}


def show_error(form, exc: DomainError) -> None:
    renamed = {FORM_FIELDS.get(k, k): v for k, v in exc.field_errors.items()}
    apply_error(form, type(exc)(exc.message, field_errors=renamed))


def step_context(request: AuthenticatedHttpRequest, case: Case, bound: dict | None = None) -> dict:
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
        (t, reason, bound.get(t.action) or form_for(t.action, case), optional)
        for t, reason in upcoming
        if t.action in mine and t.action in ACTIONS and not ((optional := t.is_optional(case)) and reason)
    ]
    open_action = next(iter(bound), None) or next(
        (t.action for t, reason, _, optional in step_actions if reason is None and not optional), None
    )
    can_see_verification = selectors.verification_visible(request.user, case)
    return {
        "route": selectors.current_route(case),
        "deadline": deadline_of(case),
        "profile": profile_of(case),
        "next_lead": lead,
        "step_actions": step_actions,
        "open_action": open_action,
        "can_see_verification": can_see_verification,
        "verifications": selectors.verifications_for(request.user, case) if can_see_verification else [],
        "investigations": case.investigations.prefetch_related("investigators"),
        "reviews": case.reviews.all(),
        "meetings": case.meetings.select_related("signed_by"),
        "public_notices": case.public_notices.all(),
        "objections": case.objections.all(),
        "decision": getattr(case, "decision", None),
        "emergency": getattr(case, "emergency", None),
        "steps": case.steps.select_related("by"),
        "dispute_form": f.DisputeForm(),
        "can_mark_disputed": authz.can(request.user, EDITS["mark_disputed"].perm, case.area_code)
        and can(case, "mark_disputed")
        and not case.disputed,
    }
