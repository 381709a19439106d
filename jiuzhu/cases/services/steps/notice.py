"""After an approving decision: the public notice at the township and the village (P2), objections raised
during it and their re-examination (P3), and the approval when the notice has run its course (P3, P4) — the
moment benefits take the case over (`hooks.on_approved`)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from jiuzhu.cases import hooks
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import Decision, Objection, ObjectionOutcome, Outcome, PublicNotice, StepKind
from jiuzhu.cases.routing import route_for
from jiuzhu.cases.selectors import approval_meeting, authorities, covered_count, latest_meeting, open_notice
from jiuzhu.cases.services.steps.common import date_ok, dated, record
from jiuzhu.cases.states import State
from jiuzhu.cases.workflow import step
from jiuzhu.core import clock, params
from jiuzhu.core.dates import next_month
from jiuzhu.core.errors import TransitionNotAllowed, ValidationFailed
from jiuzhu.core.masking import public_household_name
from jiuzhu.core.problems import Problems
from jiuzhu.core.types import MONTHLY_TYPES
from jiuzhu.orgs.models import Jurisdiction, User
from jiuzhu.registry.models import Relation


def notice_content(case: Case) -> str:
    """What is posted: masked names, no ID numbers (P2)."""
    meeting = latest_meeting(case)
    amount = f"，金额 {meeting.amount} 元" if meeting and meeting.amount else ""
    head = case.household.members.filter(relation=Relation.HEAD, is_active=True).order_by("id").first()
    name = public_household_name(
        head.name if head else None, head.birth_date if head else None, clock.today()
    )
    return f"{name}（{covered_count(case)}人），{case.get_assistance_type_display()}，拟同意{amount}"


def post_notice(*, by: User, cases: list[Case], start_on: date, places: str = "") -> list[PublicNotice]:
    """P2: post the notice at the township and the village for the parameterised number of days. Several
    cases can be posted at once; each is one transition, all or none."""
    if not cases:
        raise ValidationFailed("请选择要公示的申请")
    out = []
    with transaction.atomic():
        for case in cases:
            with step(case=case, action="post_notice", by=by, on=start_on) as s:
                dated(start_on, s.case, "公示开始日期", "start_on")
                days = params.get("notice.days", area_code=s.case.township_code, on=start_on)
                village = Jurisdiction.objects.filter(code=s.case.household.area_code).first()
                township = Jurisdiction.objects.filter(code=s.case.township_code).first()
                where = (
                    places.strip()
                    or f"{township.name if township else ''}公示栏、{village.name if village else ''}公示栏"
                )
                notice = PublicNotice.objects.create(
                    case=s.case,
                    start_on=start_on,
                    end_on=start_on + timedelta(days=days - 1),
                    places=where,
                    content=notice_content(s.case),
                    created_by=by,
                    created_at=clock.now(),
                )
                record(s.case, StepKind.NOTICE_START, start_on, by, f"公示至 {notice.end_on:%Y-%m-%d}")
                s.audit_after = {"start_on": start_on, "end_on": notice.end_on}
                out.append(notice)
    return out


def register_objection(
    *, by: User, case: Case, received_on: date, content: str, raised_by: str = "", contact: str = ""
) -> Objection:
    """P3: an objection is taken only within the notice period; the case then waits for its re-examination."""
    with step(case=case, action="object", by=by, on=received_on) as s:
        notice = open_notice(s.case)
        problems = Problems()
        if not content.strip():
            problems.add("content", "必填", "请填写异议内容")
        if date_ok(problems, received_on, s.case, "收到异议日期", "received_on") and (
            notice is None or not notice.start_on <= received_on <= notice.end_on
        ):
            period = f"（{notice.start_on:%Y-%m-%d} 至 {notice.end_on:%Y-%m-%d}）" if notice else ""
            problems.add("received_on", f"不在公示期内{period}", "异议须在公示期内提出")
        problems.raise_if_any("异议未登记")
        assert notice is not None  # no running notice is one of the problems raised above
        obj = Objection.objects.create(
            case=s.case,
            notice=notice,
            received_on=received_on,
            raised_by=raised_by.strip(),
            contact=contact.strip(),
            content=content.strip(),
            registered_by=by,
            created_at=clock.now(),
        )
        record(s.case, StepKind.OBJECTION, received_on, by)
        s.audit_after = {"received_on": received_on}
    return obj


def resolve_objection(*, by: User, case: Case, handled_on: date, outcome: str, handling: str) -> Objection:
    """P3: re-examination (and democratic review where the profile says so). Unfounded: the notice runs on;
    founded: back to a new decision."""
    with step(case=case, action="resolve_objection", by=by, on=handled_on) as s:
        problems = Problems()
        if outcome not in ObjectionOutcome.values:
            problems.add("outcome", "必选", "请选择复核结论")
        if not handling.strip():
            problems.add("handling", "必填", "请填写复核情况")
        date_ok(problems, handled_on, s.case, "处理日期", "handled_on")
        problems.raise_if_any("复核结论未保存")
        obj = s.case.objections.filter(handled_on__isnull=True).order_by("received_on").first()
        if obj is None:
            raise TransitionNotAllowed("没有待处理的异议")
        obj.handled_on, obj.outcome, obj.handling = handled_on, outcome, handling.strip()
        obj.save()
        if outcome == ObjectionOutcome.FOUNDED:
            s.case.public_notices.filter(closed_on__isnull=True).update(closed_on=handled_on)
            s.case.status = State.INVESTIGATED
        else:
            s.case.status = State.NOTICE
        record(s.case, StepKind.OBJECTION_HANDLED, handled_on, by, ObjectionOutcome(outcome).label)
        s.audit_after = {"outcome": outcome}
    return obj


def finalize(*, by: User, case: Case, on: date | None = None) -> Decision:
    """P3: no objection by the end of the notice → approved; payment starts the month after approval. The
    signer is the decider of the route that approved it (township in the bureau's name, or the bureau)."""
    on = on or clock.today()
    with step(case=case, action="finalize", by=by, on=on) as s:
        meeting = approval_meeting(s.case)
        dated(on, s.case, "批准日期")
        notice = open_notice(s.case)
        if meeting is None or notice is None:  # the guard has required both; a changed guard must not pass
            raise TransitionNotAllowed("没有同意的审批会议或正在进行的公示")
        notice.closed_on = on
        notice.save(update_fields=["closed_on"])
        route = route_for(s.case, meeting.held_on, meeting.amount)
        authority, handling = authorities(s.case, route)
        decision = Decision.objects.create(
            case=s.case,
            outcome=Outcome.APPROVE,
            decided_on=on,
            route=meeting.route,
            authority_name=authority,
            handling_unit_name=handling if meeting.route == "township" else "",
            amount=meeting.amount,
            basis=meeting.basis,
            covered_members=meeting.covered_members,
            covered_member_ids=list(
                s.case.household.members.filter(is_active=True, covered=True).values_list("id", flat=True)
            ),
            start_month=next_month(on) if s.case.assistance_type in MONTHLY_TYPES else None,
            decided_by=by,
            created_at=clock.now(),
        )
        record(s.case, StepKind.FINAL, on, by, "批准")
        for hook in hooks.on_approved:
            hook(decision, by)
        s.audit_after = {"decided_on": on, "amount": meeting.amount, "start_month": decision.start_month}
    return decision


def finalize_many(*, by: User, cases: list[Case], on: date | None = None) -> list[Decision]:
    """Several approvals at once from a list: each is one transition, all or none."""
    with transaction.atomic():
        return [finalize(by=by, case=c, on=on) for c in cases]
