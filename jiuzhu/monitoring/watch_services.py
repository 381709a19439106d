"""The verify-then-resolve loop of monitoring warnings: the township verifies (核实) what the department's
record says, then resolves — 纳入救助 (an application), 调整待遇 (a periodic review with the new facts; a death
stops payment from the next month with the written notice, DM1), 转专项救助 (a referral to another department,
whose answer is recorded later) or 无需处理 (with the reason). Each action locks the warning, checks the
role in the warning's place and writes an audit event."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from django.db import transaction

from jiuzhu.benefits import services as benefits
from jiuzhu.benefits.documents import issue_adjustment_notice
from jiuzhu.benefits.models import Enrolment
from jiuzhu.benefits.selectors import current_enrolment
from jiuzhu.cases.models import Case, Channel
from jiuzhu.cases.services.intake import CaseInput, case_create
from jiuzhu.core import audit, clock
from jiuzhu.core.dates import ensure_not_before, ensure_not_future
from jiuzhu.core.errors import DomainError, ValidationFailed
from jiuzhu.core.money import to_yuan
from jiuzhu.monitoring.models.watch import (
    MonitoringWarning,
    Need,
    Referral,
    Resolution,
    VerifyMethod,
    WarningCategory,
    WarningStatus,
)
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Membership, User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.models import LeftReason, Member
from jiuzhu.registry.services.members import member_leave

log = logging.getLogger(__name__)


def _lock(warning: MonitoringWarning) -> MonitoringWarning:
    return MonitoringWarning.objects.select_for_update().get(pk=warning.pk)


def _text(value: str, label: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"请填写{label}", field_errors={field: "必填"})
    return value


def _choice(value: str, values: list[str], message: str, field: str) -> str:
    if value not in values:
        raise ValidationFailed(message, field_errors={field: "必选"})
    return value


def warning_verify(
    *, by: User, warning: MonitoringWarning, method: str, on: date, note: str, confirmed: bool
) -> MonitoringWarning:
    """核实: how it was checked, when, what was found, and whether the department's record holds."""
    membership = authz.require(by, Perm.WARNING_HANDLE, warning.area_code)
    _choice(method, VerifyMethod.values, "请选择核实方式", "method")
    note = _text(note, "核实情况", "note")
    ensure_not_future(on, "核实日期", field="on")
    ensure_not_before(on, warning.created_at.date(), "核实日期", "预警日期", field="on")
    with transaction.atomic():
        locked = _lock(warning)
        if locked.status != WarningStatus.OPEN:
            raise ValidationFailed(f"该预警当前为“{locked.get_status_display()}”，不能再核实")
        locked.status = WarningStatus.VERIFIED
        locked.verify_method, locked.verified_on, locked.verify_note = method, on, note
        locked.confirmed = bool(confirmed)
        locked.verified_by, locked.verified_at = by, clock.now()
        locked.save()
        audit.record(
            actor=by,
            membership=membership,
            action="monitoring.verify",
            obj=locked,
            before={"status": WarningStatus.OPEN},
            after={"method": method, "on": on, "confirmed": locked.confirmed, "late": on > locked.due_on},
            reason=note,
        )
    return locked


def _resolvable(locked: MonitoringWarning, resolution: str) -> None:
    if locked.status == WarningStatus.OPEN:
        raise ValidationFailed("请先核实，再处置")
    if locked.status == WarningStatus.RESOLVED:
        raise ValidationFailed("该预警已处置")
    if not locked.confirmed and resolution != Resolution.NONE:
        raise ValidationFailed("核实情况不属实的预警只能选择“无需处理”")


_ACTIONS: dict[str, str] = {
    Resolution.NONE: "monitoring.close",
    Resolution.ENROL: "monitoring.enrol",
    Resolution.ADJUST: "monitoring.adjust",
    Resolution.REFER: "monitoring.refer",
}


def _resolve(
    locked: MonitoringWarning,
    *,
    by: User,
    membership: Membership | None,
    resolution: str,
    note: str,
    after: dict | None = None,
) -> None:
    """Mark the locked warning resolved and write the resolution's audit event (inside the caller's
    transaction; the note is the event's reason)."""
    locked.status, locked.resolution, locked.resolution_note = WarningStatus.RESOLVED, resolution, note
    locked.resolved_by, locked.resolved_at = by, clock.now()
    locked.save()
    audit.record(
        actor=by, membership=membership, action=_ACTIONS[resolution], obj=locked, after=after, reason=note
    )


def warning_close(*, by: User, warning: MonitoringWarning, reason: str) -> MonitoringWarning:
    """无需处理, with the reason."""
    membership = authz.require(by, Perm.WARNING_HANDLE, warning.area_code)
    reason = _text(reason, "无需处理的理由", "reason")
    with transaction.atomic():
        locked = _lock(warning)
        _resolvable(locked, Resolution.NONE)
        _resolve(locked, by=by, membership=membership, resolution=Resolution.NONE, note=reason)
    return locked


def warning_enrol(
    *, by: User, warning: MonitoringWarning, assistance_type: str, applicant: Member | None, reason: str
) -> Case:
    """纳入救助: an application for the household (channel 主动发现), linked on the warning; it then goes
    through the ordinary procedure."""
    membership = authz.require(by, Perm.WARNING_HANDLE, warning.area_code)
    reason = _text(reason, "申请原因", "reason")
    with transaction.atomic():
        locked = _lock(warning)
        _resolvable(locked, Resolution.ENROL)
        person = applicant or locked.member
        case = case_create(
            by=by,
            household=locked.household,
            data=CaseInput(
                assistance_type=assistance_type,
                applicant=person,
                applied_on=clock.today(),
                reason=f"{reason}（动态监测预警 {locked.number}：{locked.detail}）",
            ),
            channel=Channel.DISCOVERY,
        )
        locked.case = case
        _resolve(
            locked,
            by=by,
            membership=membership,
            resolution=Resolution.ENROL,
            note=reason,
            after={"case": case.number, "type": assistance_type},
        )
    return case


NO_ENROLMENT = "该户没有正在享受的待遇，不能调整待遇；可选择“纳入救助”“转专项救助”或“无需处理”"


def adjustable_enrolment(warning: MonitoringWarning) -> Enrolment | None:
    """The live enrolment 调整待遇 would review (None: the household receives nothing, only 纳入救助, 转专项救助
    or 无需处理 apply). The page offers 调整待遇 only when there is one."""
    return current_enrolment(warning.household_id)


def warning_adjust(
    *, by: User, warning: MonitoringWarning, outcome: str, findings: str, done_on: date | None = None
) -> MonitoringWarning:
    """调整待遇: a periodic review of the household's enrolment with the facts found (effective the next
    month, DM1). A death first marks the person deceased; a decrease or stop gets its written notice."""
    membership = authz.require(by, Perm.WARNING_HANDLE, warning.area_code)
    findings = _text(findings, "核查情况", "findings")
    with transaction.atomic():
        locked = _lock(warning)
        _resolvable(locked, Resolution.ADJUST)
        enrolment = adjustable_enrolment(locked)
        if enrolment is None:
            raise ValidationFailed(NO_ENROLMENT)
        if locked.category == WarningCategory.DEATH and locked.member.is_active:
            member_leave(by=by, member=locked.member, on=locked.event_on, reason=LeftReason.DECEASED)
        review = benefits.periodic_review(
            by=by,
            enrolment=enrolment,
            data=benefits.ReviewInput(
                done_on=done_on or locked.verified_on or clock.today(),
                outcome=outcome,
                findings=f"{findings}（动态监测预警 {locked.number}：{locked.detail}）",
            ),
        )
        locked.review = review
        _resolve(
            locked,
            by=by,
            membership=membership,
            resolution=Resolution.ADJUST,
            note=findings,
            after={"review": review.pk, "outcome": outcome},
        )
    change = review.change
    if change is not None and change.needs_notice:
        # The notice is rendered outside the transaction; if it cannot be issued now, the benefits page
        # offers it (the change stays marked as needing one).
        try:
            issue_adjustment_notice(by=by, change=change)
        except DomainError as exc:
            log.warning("warning %s: adjustment notice not issued: %s", locked.pk, exc)
    return locked


def warning_refer(
    *, by: User, warning: MonitoringWarning, need: str, department: str, note: str, sent_on: date
) -> Referral:
    """转专项救助: the receiving department and what is asked of it; its answer is recorded later."""
    membership = authz.require(by, Perm.WARNING_HANDLE, warning.area_code)
    _choice(need, Need.values, "请选择专项救助类别", "need")
    department = _text(department, "接收部门", "department")
    note = _text(note, "转介说明", "note")
    ensure_not_future(sent_on, "转介日期", field="sent_on")
    with transaction.atomic():
        locked = _lock(warning)
        _resolvable(locked, Resolution.REFER)
        referral = Referral.objects.create(
            warning=locked,
            need=need,
            department=department[:60],
            sent_on=sent_on,
            note=note,
            created_by=by,
            created_at=clock.now(),
        )
        _resolve(
            locked,
            by=by,
            membership=membership,
            resolution=Resolution.REFER,
            note=note,
            after={"need": need, "department": department},
        )
    return referral


def referral_answer(
    *,
    by: User,
    referral: Referral,
    answer: str,
    answered_on: date,
    granted: bool,
    amount: Decimal | str | None = None,
) -> Referral:
    """The receiving department's answer (what it did or decided), entered by the township: whether it met
    the need and, if it paid, how much. A granted answer is assistance on the household's chain (the same
    need met twice within the period is a warning there and a supervision rule)."""
    membership = authz.require(by, Perm.WARNING_HANDLE, referral.warning.area_code)
    answer = _text(answer, "部门反馈", "answer")
    paid = None if amount in (None, "") else to_yuan(amount, label="救助金额")
    if paid is not None and not granted:
        raise ValidationFailed("未给予救助的，不填写救助金额", field_errors={"amount": "应为空"})
    ensure_not_future(answered_on, "反馈日期", field="answered_on")
    ensure_not_before(answered_on, referral.sent_on, "反馈日期", "转介日期", field="answered_on")
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.answered_on is not None:
            raise ValidationFailed("该转介已登记反馈")
        locked.answer, locked.answered_on, locked.answered_by = answer, answered_on, by
        locked.granted, locked.granted_amount = bool(granted), paid
        locked.save()
        audit.record(
            actor=by,
            membership=membership,
            action="monitoring.referral_answer",
            obj=locked.warning,
            after={"answered_on": answered_on, "granted": bool(granted), "amount": paid},
            reason=answer,
        )
    return locked
