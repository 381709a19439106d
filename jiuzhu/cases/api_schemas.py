"""API schemas of a case's full record, so that an integration sees what the case page shows: the route, the P7 deadline and every recorded step,
its timeline, and the P8 exception list. Verification data (核对) is never part of these: it has its own
endpoint, restricted and logged (A6).

Personal data is shown as on the case page: staff names in full, ID numbers never; the names and contacts
of people raising an objection are masked."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Schema

from jiuzhu.cases import selectors
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import StepKind
from jiuzhu.core import audit
from jiuzhu.core.masking import mask_name, mask_phone
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Role

REVIEW_TRIGGERS = {"profile": "流程要求", "disputed": "有争议", "objection": "公示有异议"}


def _name(user: User | None) -> str:
    return user.get_full_name() if user is not None else ""


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value is not None else None


class CaseRouteOut(Schema):
    decider: str = Field(..., description="township：乡镇（街道）受委托审批；bureau：乡镇审核、民政局审批")
    delegated: bool
    label: str
    reason: str = Field(..., description="为什么由该机关审批（委托书、暂停、临时救助上限等）")
    grant_id: int | None = Field(None, description="所依据的委托书")


class CaseDeadlineOut(Schema):
    limit: int = Field(..., description="时限（工作日）")
    used: int = Field(..., description="已用工作日（核对期间不计入）")
    left: int = Field(..., description="剩余工作日（超期为负数）")
    paused: int = Field(..., description="核对期间（工作日，不计入时限）")
    accepted_on: date
    due_on: date = Field(..., description="应作出决定的日期")
    stopped_on: date | None = Field(None, description="作出决定的日期（时限停止计算）")
    overdue: bool
    warning: bool
    provisional: bool = Field(
        ..., description="涉及节假日安排尚未公布的年份：按法定节假日推算（调休上班日未知），为临时结果"
    )


class StaffRefOut(Schema):
    id: int
    name: str


class AcceptanceOut(Schema):
    accepted_on: date
    by_name: str


class InvestigationOut(Schema):
    id: int
    visited_on: date
    investigators: list[StaffRefOut]
    village_helper: str
    home_visit: str
    neighbour_interviews: str
    letters: str
    conclusion: str
    investigators_signed: bool
    applicant_signed: bool
    recorded_by_name: str


class DemocraticReviewOut(Schema):
    id: int
    held_on: date
    chair_name: str
    panel_size: int
    panel: list[str] = Field(..., description="评议小组成员")
    minutes: str
    votes_for: int
    votes_against: int
    passed: bool = Field(..., description="认可票多于不认可票")
    result_label: str
    all_signed: bool
    triggered_by: str = Field(..., description="profile 流程要求 / disputed 有争议 / objection 公示有异议")
    triggered_by_label: str


class MeetingAttendeeOut(Schema):
    name: str
    title: str = ""


class MeetingOut(Schema):
    id: int
    level: str = Field(..., description="township_decision / township_review / bureau_decision")
    level_label: str
    held_on: date
    attendees: list[MeetingAttendeeOut]
    minutes: str
    outcome: str
    outcome_label: str
    amount: Decimal | None
    covered_members: int | None
    reasons: str
    basis: str = Field(..., description="金额计算依据")
    signed_by_name: str
    route: str = Field(..., description="会议当日的审批路径：township / bureau")
    route_reason: str


class BureauFilingOut(Schema):
    filed_on: date
    note: str
    by_name: str


class PublicNoticeOut(Schema):
    id: int
    start_on: date
    end_on: date
    places: str
    content: str = Field(..., description="公示内容（已脱敏）")
    closed_on: date | None


class ObjectionOut(Schema):
    id: int
    notice_id: int
    received_on: date
    raised_by: str = Field(..., description="异议人（脱敏）")
    contact: str = Field(..., description="联系方式（脱敏）")
    content: str
    handled: bool
    handled_on: date | None
    outcome: str = Field(..., description="unfounded 异议不成立 / founded 异议成立；未处理为空")
    outcome_label: str
    handling: str


class EmergencyAidOut(Schema):
    requested_at: datetime
    paid_at: datetime
    amount: Decimal
    paid_by_name: str
    late: bool = Field(..., description="先行救助超过时限")
    register_due_on: date
    registered_on: date | None
    registration_late: bool = Field(..., description="补办登记晚于截止日")
    registration_overdue: bool = Field(..., description="补办登记逾期：已过截止日仍未登记，或登记晚于截止日")
    recipient_note: str
    signatures_completed: bool


class DecisionOut(Schema):
    outcome: str
    outcome_label: str
    decided_on: date
    route: str
    authority_name: str = Field(..., description="审批机关")
    handling_unit_name: str = Field(..., description="承办单位（受委托审批时）")
    amount: Decimal | None
    basis: str
    covered_members: int | None
    start_month: date | None = Field(None, description="发放起始月（按月发放的救助）")
    low_income_category: str = Field(
        "",
        description="低收入家庭认定的类别：edge 低保边缘、rigid_expense 刚性支出困难、other 其他（计算见 basis）",
    )
    low_income_category_label: str = ""
    reasons: str
    decided_by_name: str


class TimelineEventOut(Schema):
    id: int
    at: datetime
    actor_name: str
    role: str
    role_label: str
    organisation_name: str
    action: str
    action_label: str
    reason: str

    @staticmethod
    def resolve_at(obj) -> datetime:
        return timezone.localtime(obj.at)

    @staticmethod
    def resolve_role_label(obj) -> str:
        return Role(obj.role).label if obj.role in Role.values else obj.role

    @staticmethod
    def resolve_action_label(obj) -> str:
        return audit.action_label(obj.action)


class LateEmergencyAidOut(Schema):
    case_id: int
    case_number: str
    assistance_type: str
    area_code: str
    township_code: str
    requested_at: datetime
    paid_at: datetime
    amount: Decimal
    aid_late: bool = Field(..., description="先行救助超过时限")
    register_due_on: date
    registered_on: date | None
    registration_overdue: bool = Field(..., description="补办登记逾期：已过截止日仍未登记，或登记晚于截止日")

    @staticmethod
    def resolve_case_number(obj) -> str:
        return obj.case.number

    @staticmethod
    def resolve_assistance_type(obj) -> str:
        return obj.case.assistance_type

    @staticmethod
    def resolve_area_code(obj) -> str:
        return obj.case.area_code

    @staticmethod
    def resolve_township_code(obj) -> str:
        return obj.case.township_code

    @staticmethod
    def resolve_requested_at(obj) -> datetime:
        return timezone.localtime(obj.requested_at)

    @staticmethod
    def resolve_paid_at(obj) -> datetime:
        return timezone.localtime(obj.paid_at)

    @staticmethod
    def resolve_aid_late(obj) -> bool:
        return obj.late

    @staticmethod
    def resolve_registration_overdue(obj) -> bool:
        return selectors.registration_overdue(obj)


# --- the record, as plain data for the schemas above -------------------------------------------------


def route_out(route) -> dict:
    return {
        "decider": route.decider,
        "delegated": route.delegated,
        "label": route.label,
        "reason": route.reason,
        "grant_id": route.grant_id,
    }


def record_of(case: Case) -> dict:
    """Every recorded step of the case except the verification (A6)."""
    steps = list(case.steps.filter(kind__in=[StepKind.ACCEPT, StepKind.FILE]).select_related("by"))
    accepted = next((s for s in steps if s.kind == StepKind.ACCEPT), None)
    emergency = getattr(case, "emergency", None)
    decision = getattr(case, "decision", None)
    return {
        "acceptance": {"accepted_on": accepted.on, "by_name": _name(accepted.by)} if accepted else None,
        "investigations": [
            {
                "id": i.id,
                "visited_on": i.visited_on,
                "investigators": [{"id": u.id, "name": _name(u)} for u in i.investigators.all()],
                "village_helper": i.village_helper,
                "home_visit": i.home_visit,
                "neighbour_interviews": i.neighbour_interviews,
                "letters": i.letters,
                "conclusion": i.conclusion,
                "investigators_signed": i.investigators_signed,
                "applicant_signed": i.applicant_signed,
                "recorded_by_name": _name(i.created_by),
            }
            for i in case.investigations.select_related("created_by")
            .prefetch_related("investigators")
            .order_by("visited_on", "id")
        ],
        "reviews": [
            {
                "id": r.id,
                "held_on": r.held_on,
                "chair_name": _name(r.chair),
                "panel_size": len(r.panel),
                "panel": r.panel,
                "minutes": r.minutes,
                "votes_for": r.votes_for,
                "votes_against": r.votes_against,
                "passed": r.passed,
                "result_label": "评议认可" if r.passed else "评议不认可",
                "all_signed": r.all_signed,
                "triggered_by": r.triggered_by,
                "triggered_by_label": REVIEW_TRIGGERS.get(r.triggered_by, r.triggered_by),
            }
            for r in case.reviews.select_related("chair").order_by("held_on", "id")
        ],
        "meetings": [
            {
                "id": m.id,
                "level": m.level,
                "level_label": m.get_level_display(),
                "held_on": m.held_on,
                "attendees": m.attendees,
                "minutes": m.minutes,
                "outcome": m.outcome,
                "outcome_label": m.get_outcome_display(),
                "amount": m.amount,
                "covered_members": m.covered_members,
                "reasons": m.reasons,
                "basis": m.basis,
                "signed_by_name": _name(m.signed_by),
                "route": m.route,
                "route_reason": m.route_reason,
            }
            for m in case.meetings.select_related("signed_by")
        ],
        "bureau_filings": [
            {"filed_on": s.on, "note": s.note, "by_name": _name(s.by)}
            for s in steps
            if s.kind == StepKind.FILE
        ],
        "public_notices": list(case.public_notices.all()),
        "objections": [
            {
                "id": o.id,
                "notice_id": o.notice_id,
                "received_on": o.received_on,
                "raised_by": mask_name(o.raised_by),
                "contact": mask_phone(o.contact),
                "content": o.content,
                "handled": o.handled_on is not None,
                "handled_on": o.handled_on,
                "outcome": o.outcome,
                "outcome_label": o.get_outcome_display() if o.outcome else "",
                "handling": o.handling,
            }
            for o in case.objections.order_by("received_on", "id")
        ],
        "emergency_aid": None
        if emergency is None
        else {
            "requested_at": _local(emergency.requested_at),
            "paid_at": _local(emergency.paid_at),
            "amount": emergency.amount,
            "paid_by_name": _name(emergency.paid_by),
            "late": emergency.late,
            "register_due_on": emergency.register_due_on,
            "registered_on": emergency.registered_on,
            "registration_late": emergency.registration_late,
            "registration_overdue": selectors.registration_overdue(emergency),
            "recipient_note": emergency.recipient_note,
            "signatures_completed": emergency.signatures_completed,
        },
        "decision": None
        if decision is None
        else {
            "outcome": decision.outcome,
            "outcome_label": decision.get_outcome_display(),
            "decided_on": decision.decided_on,
            "route": decision.route,
            "authority_name": decision.authority_name,
            "handling_unit_name": decision.handling_unit_name,
            "amount": decision.amount,
            "basis": decision.basis,
            "covered_members": decision.covered_members,
            "start_month": decision.start_month,
            "low_income_category": decision.low_income_category,
            "low_income_category_label": decision.get_low_income_category_display()
            if decision.low_income_category
            else "",
            "reasons": decision.reasons,
            "decided_by_name": _name(decision.decided_by),
        },
    }
