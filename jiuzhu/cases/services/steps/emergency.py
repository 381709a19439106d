"""急难型临时救助 (P8): aid paid first, within the hour limit, by whoever the route lets decide the amount;
the registration — recipient, reason, amount, signatures and seals — within N working days afterwards, which
is also the decision on record."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import Decision, EmergencyAid, Outcome, StepKind
from jiuzhu.cases.routing import route_for
from jiuzhu.cases.selectors import authorities
from jiuzhu.cases.services.steps.common import date_ok, record, refuse_above_cap
from jiuzhu.cases.transitions import decision_perm
from jiuzhu.cases.workflow import step
from jiuzhu.core import clock, params, workdays
from jiuzhu.core.dates import ensure_not_before, ensure_not_future
from jiuzhu.core.problems import Problems, optional_amount
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm


def emergency_aid(
    *, by: User, case: Case, requested_at: datetime, paid_at: datetime, amount: object
) -> EmergencyAid:
    """P8: aid first — paid within the hour limit (parameter; flagged when late); registration is due within
    N working days (parameter). The amount follows the same route rules as any temporary aid."""
    problems = Problems()
    value = optional_amount(amount, "救助金额", problems)
    if value is None or value <= 0:
        problems.add("amount", "请填写救助金额")
    with problems.gather("requested_at"):
        ensure_not_future(requested_at, "求助时间", field="requested_at")
    with problems.gather("paid_at"):
        ensure_not_future(paid_at, "先行救助时间", field="paid_at")
        ensure_not_before(paid_at, requested_at, "先行救助时间", "求助时间", field="paid_at")
    problems.raise_if_any("先行救助信息有误，未保存")
    assert value is not None  # a missing amount is one of the problems raised above
    route = route_for(case, paid_at.date(), value)
    if not route.delegated and not authz.can(by, Perm.CASE_DECIDE_BUREAU, case.area_code):
        refuse_above_cap(case, paid_at.date(), value, "可先在 {cap} 元以内先行救助，超出部分报民政局审批")
    with step(case=case, action="emergency_aid", by=by, perm=decision_perm(route), on=paid_at.date()) as s:
        hours = params.get("emergency.aid_hours", area_code=s.case.township_code, on=paid_at.date())
        days = params.get(
            "emergency.registration_working_days", area_code=s.case.township_code, on=paid_at.date()
        )
        due = workdays.add_working_days(paid_at.date(), days).date
        aid = EmergencyAid.objects.create(
            case=s.case,
            requested_at=requested_at,
            paid_at=paid_at,
            amount=value,
            paid_by=by,
            late=paid_at - requested_at > timedelta(hours=hours),
            register_due_on=due,
            created_at=clock.now(),
        )
        record(s.case, StepKind.EMERGENCY_AID, paid_at.date(), by, f"先行救助 {value} 元")
        s.audit_after = {"amount": value, "late": aid.late, "register_due_on": due, "route": route.decider}
    return aid


def emergency_register(
    *, by: User, case: Case, registered_on: date, recipient_note: str, signatures_completed: bool
) -> Decision:
    """P8: within N working days the recipient, reason and amount are registered and signatures/seals
    completed; late registrations are flagged and listed."""
    with step(case=case, action="emergency_register", by=by, on=registered_on) as s:
        problems = Problems()
        if not recipient_note.strip():
            problems.add("recipient_note", "必填", "请登记救助对象、事由")
        if not signatures_completed:
            problems.add("signatures_completed", "须补齐经办人员签字、盖章手续（P8）")
        date_ok(problems, registered_on, s.case, "补办登记日期", "registered_on")
        problems.raise_if_any("补办登记未保存")
        aid = s.case.emergency
        aid.registered_on = registered_on
        aid.registration_late = registered_on > aid.register_due_on
        aid.recipient_note = recipient_note.strip()
        aid.signatures_completed = True
        aid.save()
        route = route_for(s.case, aid.paid_at.date(), aid.amount)
        authority, handling = authorities(s.case, route)
        decision = Decision.objects.create(
            case=s.case,
            outcome=Outcome.APPROVE,
            decided_on=aid.paid_at.date(),
            route=route.decider,
            authority_name=authority,
            handling_unit_name=handling,
            amount=aid.amount,
            covered_members=None,
            decided_by=by,
            created_at=clock.now(),
        )
        record(s.case, StepKind.EMERGENCY_REGISTER, registered_on, by)
        s.audit_after = {"registered_on": registered_on, "late": aid.registration_late}
    return decision
