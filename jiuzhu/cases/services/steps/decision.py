"""Decisions on both routes (P1, D1, D3): the township's decision meeting under delegation, or the township's
review and the bureau's decision; the bureau's return of a case to the township; and the township's filing of
its decision with the bureau where the profile asks for it (P5). The route is the one in force on the day of
the meeting, so a township can never take a decision that belongs to the bureau."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from jiuzhu.cases import hooks
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import CaseStep, Decision, DecisionMeeting, MeetingLevel, Outcome, StepKind
from jiuzhu.cases.profiles import profile_of
from jiuzhu.cases.routing import route_for
from jiuzhu.cases.selectors import authorities, bureau_route, covered_count
from jiuzhu.cases.services.steps.common import date_ok, dated, record, refuse_above_cap
from jiuzhu.cases.states import State
from jiuzhu.cases.workflow import step
from jiuzhu.core import clock
from jiuzhu.core.errors import Forbidden, TransitionNotAllowed, ValidationFailed
from jiuzhu.core.problems import Problems, optional_amount
from jiuzhu.core.types import AssistanceType
from jiuzhu.orgs.delegation import Route
from jiuzhu.orgs.models import User


@dataclass
class MeetingInput:
    held_on: date
    attendees: list[dict]
    minutes: str
    outcome: str
    amount: object = None
    covered_members: int | None = None
    reasons: str = ""


def _check_meeting(
    case: Case, data: MeetingInput, date_label: str = "会议日期"
) -> tuple[Decimal | None, str]:
    problems = Problems()
    on_ok = date_ok(problems, data.held_on, case, date_label, "held_on")
    attendees = [a for a in data.attendees if (a.get("name") or "").strip()]
    if not attendees:
        problems.add("attendees", "请填写参会人员（P1）")
    if not data.minutes.strip():
        problems.add("minutes", "请填写会议记录")
    if data.outcome not in Outcome.values:
        problems.add("outcome", "请选择审批意见")
    amount = optional_amount(data.amount, "金额", problems)
    basis = ""
    if data.outcome == Outcome.APPROVE:
        covered = covered_count(case)
        if data.covered_members is not None and not 1 <= data.covered_members <= covered:
            problems.add("covered_members", f"保障人数应在 1 至 {covered} 之间")
        elif not problems.messages and on_ok:
            try:
                amount, basis = hooks.calculate(case, amount, data.covered_members, data.held_on)
            except ValidationFailed as exc:
                problems.add("amount", exc.message)
        if (
            case.assistance_type != AssistanceType.LOW_INCOME
            and not problems.messages
            and (amount is None or amount <= 0)
        ):
            problems.add("amount", "同意时须确定保障/救助金额（P1）")
    if data.outcome == Outcome.REJECT and not data.reasons.strip():
        problems.add("reasons", "不同意时须写明理由（P4）")
    problems.raise_if_any("会议记录有误，未保存")
    return amount, basis


def _meeting(
    case: Case,
    data: MeetingInput,
    level: str,
    by: User,
    route: Route,
    amount: Decimal | None,
    basis: str = "",
) -> DecisionMeeting:
    return DecisionMeeting.objects.create(
        case=case,
        level=level,
        held_on=data.held_on,
        attendees=[
            {"name": a["name"].strip(), "title": (a.get("title") or "").strip()}
            for a in data.attendees
            if (a.get("name") or "").strip()
        ],
        minutes=data.minutes.strip(),
        outcome=data.outcome,
        amount=amount,
        basis=basis,
        covered_members=data.covered_members or covered_count(case),
        reasons=data.reasons.strip(),
        signed_by=by,
        route=route.decider,
        route_reason=route.reason,
        grant_id=route.grant_id,
        created_at=clock.now(),
    )


def _reject(case: Case, meeting: DecisionMeeting, route: Route, by: User) -> Decision:
    authority, handling = authorities(case, route)
    return Decision.objects.create(
        case=case,
        outcome=Outcome.REJECT,
        decided_on=meeting.held_on,
        route=route.decider,
        authority_name=authority,
        handling_unit_name=handling,
        reasons=meeting.reasons,
        decided_by=by,
        created_at=clock.now(),
    )


def decide(*, by: User, case: Case, data: MeetingInput) -> DecisionMeeting:
    """P1 on the delegated route: the township decides in the bureau's name. The route is the one in force
    on the meeting day (D3); a township can never take a decision that belongs to the bureau (D1)."""
    with step(case=case, action="decide", by=by, on=data.held_on) as s:
        amount, basis = _check_meeting(s.case, data)
        route = route_for(s.case, data.held_on, amount)
        if not route.delegated:
            refuse_above_cap(
                s.case,
                data.held_on,
                amount,
                "请在 {cap} 元以内审批，或改由“乡镇审核（报民政局审批）”报民政局",
            )
            raise Forbidden("该申请应由民政局审批，乡镇（街道）不能作出决定：" + route.reason)
        meeting = _meeting(s.case, data, MeetingLevel.TOWNSHIP_DECISION, by, route, amount, basis)
        record(s.case, StepKind.DECIDE, data.held_on, by, Outcome(data.outcome).label)
        if data.outcome == Outcome.REJECT:
            _reject(s.case, meeting, route, by)
            s.case.status = State.REJECTED
        else:
            s.case.status = State.FILING if profile_of(s.case).file_with_bureau else State.TO_NOTICE
        s.audit_after = {
            "outcome": data.outcome,
            "amount": amount,
            "route": route.decider,
            "grant": route.grant_id,
        }
        s.reason = data.reasons.strip()
    return meeting


def township_review(*, by: User, case: Case, data: MeetingInput) -> DecisionMeeting:
    """D3 two-level route: the township reviews (审核) and forwards its opinion to the bureau."""
    with step(case=case, action="township_review", by=by, on=data.held_on) as s:
        amount, basis = _check_meeting(s.case, data)
        route = route_for(s.case, data.held_on, amount)
        if route.delegated:
            raise TransitionNotAllowed(
                "该申请在会议当日由乡镇（街道）受委托审批，请直接作出审批决定：" + route.reason
            )
        meeting = _meeting(s.case, data, MeetingLevel.TOWNSHIP_REVIEW, by, route, amount, basis)
        record(s.case, StepKind.TOWNSHIP_REVIEW, data.held_on, by, Outcome(data.outcome).label)
        s.audit_after = {"outcome": data.outcome, "amount": amount}
    return meeting


def bureau_decide(*, by: User, case: Case, data: MeetingInput) -> DecisionMeeting:
    """D3 two-level route: the bureau decides on the township's review."""
    with step(case=case, action="bureau_decide", by=by, on=data.held_on) as s:
        amount, basis = _check_meeting(s.case, data, "审批日期")
        route = bureau_route(s.case, data.held_on, amount)
        if route.delegated:
            raise TransitionNotAllowed("该申请在审批当日已委托乡镇（街道）审批：" + route.reason)
        meeting = _meeting(s.case, data, MeetingLevel.BUREAU_DECISION, by, route, amount, basis)
        record(s.case, StepKind.DECIDE, data.held_on, by, "民政局" + Outcome(data.outcome).label)
        if data.outcome == Outcome.REJECT:
            _reject(s.case, meeting, route, by)
            s.case.status = State.REJECTED
        else:
            s.case.status = State.TO_NOTICE
        s.audit_after = {"outcome": data.outcome, "amount": amount, "route": route.decider}
        s.reason = data.reasons.strip()
    return meeting


def return_to_township(*, by: User, case: Case, on: date, reason: str) -> CaseStep:
    """The bureau sends a reviewed case back to the township: to be decided there when a grant came into
    force meanwhile (D3), or to complete or correct the review. The township then decides or reviews again."""
    with step(case=case, action="return_to_township", by=by, on=on) as s:
        problems = Problems()
        date_ok(problems, on, s.case, "退回日期", "on")
        if not reason.strip():
            problems.add("reason", "必填", "请填写退回原因")
        problems.raise_if_any("退回未保存")
        row = record(s.case, StepKind.RETURN, on, by, reason.strip())
        s.case.status = State.REVIEWED if s.case.reviews.exists() else State.INVESTIGATED
        s.reason = reason.strip()
        s.audit_after = {"status": s.case.status}
    return row


def file_with_bureau(*, by: User, case: Case, on: date, note: str = "") -> CaseStep:
    """P5 (綦江): the township's decision is filed with the bureau before the notice."""
    with step(case=case, action="file_with_bureau", by=by, on=on) as s:
        dated(on, s.case, "备案日期")
        row = record(s.case, StepKind.FILE, on, by, note.strip() or "审批结果已报民政局备案")
        s.audit_after = {"filed_on": on}
    return row
