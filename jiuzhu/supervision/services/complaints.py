"""Complaints and reports (S8): intake from every channel, assignment, investigation, reply by the
deadline (parameter, working days), return visit; substantiated ones become findings.

`complaint_submit` is the one intake function: staff call it for hotline, visits and letters; the citizen
portal calls it with `by=None` and `channel="online"` (the only channel allowed without a staff user).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from jiuzhu.cases.models import Case
from jiuzhu.core import audit, clock, params, workdays
from jiuzhu.core.dates import ensure_not_before, ensure_not_future
from jiuzhu.core.errors import Conflict, ValidationFailed
from jiuzhu.core.jurisdiction_codes import county_code as county_of
from jiuzhu.core.jurisdiction_codes import is_valid_code
from jiuzhu.core.jurisdiction_codes import township_code as township_of
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision.models import (
    Complaint,
    ComplaintChannel,
    ComplaintSequence,
    ComplaintStatus,
    Finding,
    InvestigationMethod,
    Satisfaction,
    Severity,
)
from jiuzhu.supervision.services.inspections import _finding

MAX_CONTENT = 4000


def _number(county: str, year: int) -> str:
    ComplaintSequence.objects.get_or_create(county_code=county[:6], year=year)
    seq = ComplaintSequence.objects.select_for_update().get(county_code=county[:6], year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"TS{county[:6]}{year}{seq.last:05d}"


def complaint_submit(
    *,
    by: User | None,
    channel: str,
    content: str,
    area_code: str,
    complainant: str = "",
    contact: str = "",
    anonymous: bool = False,
    received_on: date | None = None,
    case: Case | None = None,
) -> Complaint:
    """S8 intake. `area_code` is the township or village the complaint is about (the portal offers the
    public list of places). Online submissions (`by=None`) are received today; staff may date a letter or
    visit when it came in (never in the future). The reply deadline is N working days (parameter)."""
    if by is None and channel != ComplaintChannel.ONLINE:
        raise ValidationFailed("只有网上投诉可以不经工作人员登记")
    if channel not in ComplaintChannel.values:
        raise ValidationFailed("渠道无效", field_errors={"channel": "无效"})
    membership = authz.require(by, Perm.COMPLAINT_HANDLE, area_code) if by is not None else None
    content = (content or "").strip()
    problems: dict[str, str] = {}
    if not content:
        problems["content"] = "请填写反映内容"
    elif len(content) > MAX_CONTENT:
        problems["content"] = f"不超过 {MAX_CONTENT} 字"
    if (
        not is_valid_code(area_code)
        or not Jurisdiction.objects.filter(code=area_code, level__gte=Level.TOWNSHIP).exists()
    ):
        problems["area_code"] = "请选择涉及的乡镇（街道）或村（社区）"
    if not anonymous and not (contact or "").strip():
        problems["contact"] = "请留下联系方式以便答复和回访，或选择匿名"
    if problems:
        raise ValidationFailed("投诉举报信息不完整：" + "；".join(problems.values()), field_errors=problems)
    received_on = received_on if (by is not None and received_on) else clock.today()
    ensure_not_future(received_on, "收到日期", field="received_on")
    if case is not None and not case.area_code.startswith(area_code[:9]):
        raise ValidationFailed("关联的申请不在所反映的乡镇（街道）")
    township = township_of(area_code)
    days = params.get("complaint.reply_working_days", area_code=township, on=received_on)
    with transaction.atomic():
        complaint = Complaint.objects.create(
            number=_number(county_of(area_code), received_on.year),
            channel=channel,
            received_on=received_on,
            received_by=by,
            complainant="" if anonymous else (complainant or "").strip()[:60],
            contact="" if anonymous else (contact or "").strip()[:60],
            anonymous=anonymous,
            content=content,
            area_code=area_code,
            township_code=township,
            county_code=county_of(area_code),
            case=case,
            reply_due_on=workdays.add_working_days(received_on, days).date,
            created_at=clock.now(),
        )
        audit.record(
            actor=by,
            membership=membership,
            action="complaint.submit",
            obj=complaint,
            after={
                "channel": channel,
                "reply_due_on": complaint.reply_due_on,
                "case": case.number if case else None,
            },
        )
    return complaint


def _lock(complaint: Complaint, expected_version: int | None, allowed: set[str], action: str) -> Complaint:
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict("该投诉举报刚被他人处理，请刷新页面后重试")
    if locked.status not in allowed:
        raise ValidationFailed(f"当前状态为“{locked.get_status_display()}”，不能{action}")
    return locked


def _save(locked: Complaint, complaint: Complaint, fields: list[str]) -> None:
    locked.version += 1
    locked.save(update_fields=[*fields, "version"])
    for name in [*fields, "version"]:
        setattr(complaint, name, getattr(locked, name))


def complaint_assign(*, by: User, complaint: Complaint, assignee: User, on: date | None = None) -> Complaint:
    """Give the complaint to a handler (the township, or an inspector for 明察暗访)."""
    membership = authz.require(by, Perm.COMPLAINT_HANDLE, complaint.area_code)
    if not authz.can(assignee, Perm.COMPLAINT_HANDLE, complaint.area_code):
        raise ValidationFailed(
            f"{assignee.get_full_name()}无权办理该投诉举报", field_errors={"assignee": "无权办理"}
        )
    on = on or clock.today()
    ensure_not_future(on, "交办日期", field="on")
    with transaction.atomic():
        locked = _lock(complaint, None, {ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED}, "交办")
        ensure_not_before(on, locked.received_on, "交办日期", "收到日期", field="on")
        locked.assigned_to, locked.assigned_on, locked.status = assignee, on, ComplaintStatus.ASSIGNED
        _save(locked, complaint, ["assigned_to", "assigned_on", "status"])
        audit.record(
            actor=by,
            membership=membership,
            action="complaint.assign",
            obj=locked,
            after={"assigned_to": assignee.pk, "name": assignee.get_full_name()},
        )
    return locked


def complaint_investigate(
    *,
    by: User,
    complaint: Complaint,
    method: str,
    investigation: str,
    substantiated: bool,
    on: date,
    severity: str = Severity.MINOR,
    expected_version: int | None = None,
) -> Complaint:
    """Record the investigation (明察暗访, random checks, home visits). A substantiated complaint becomes a
    finding on its case or township, which feeds escalation and the score."""
    membership = authz.require(by, Perm.COMPLAINT_HANDLE, complaint.area_code)
    if method not in InvestigationMethod.values:
        raise ValidationFailed("请选择调查方式", field_errors={"method": "必填"})
    if not (investigation or "").strip():
        raise ValidationFailed("请填写调查核实情况", field_errors={"investigation": "必填"})
    ensure_not_future(on, "调查日期", field="on")
    with transaction.atomic():
        locked = _lock(
            complaint, expected_version, {ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED}, "登记调查结果"
        )
        ensure_not_before(on, locked.received_on, "调查日期", "收到日期", field="on")
        locked.method, locked.investigation = method, investigation.strip()
        locked.substantiated, locked.investigated_on = substantiated, on
        locked.status = ComplaintStatus.INVESTIGATED
        _save(locked, complaint, ["method", "investigation", "substantiated", "investigated_on", "status"])
        finding: Finding | None = None
        if substantiated:
            finding = _finding(
                by=by,
                source="complaint",
                case=locked.case,
                description=f"投诉举报 {locked.number} 查实：{locked.investigation}",
                severity=severity,
                rule="S8",
                found_on=on,
                complaint=locked,
                township_code=locked.township_code,
            )
        audit.record(
            actor=by,
            membership=membership,
            action="complaint.investigate",
            obj=locked,
            after={
                "method": method,
                "substantiated": substantiated,
                "finding": finding.pk if finding else None,
            },
        )
    return locked


def complaint_reply(
    *, by: User, complaint: Complaint, reply: str, on: date, expected_version: int | None = None
) -> Complaint:
    membership = authz.require(by, Perm.COMPLAINT_HANDLE, complaint.area_code)
    if not (reply or "").strip():
        raise ValidationFailed("请填写答复内容", field_errors={"reply": "必填"})
    ensure_not_future(on, "答复日期", field="on")
    with transaction.atomic():
        locked = _lock(
            complaint, expected_version, {ComplaintStatus.INVESTIGATED}, "答复（须先登记调查核实情况）"
        )
        ensure_not_before(on, locked.investigated_on, "答复日期", "调查日期", field="on")
        locked.reply, locked.replied_on, locked.replied_by = reply.strip(), on, by
        locked.status = ComplaintStatus.REPLIED
        _save(locked, complaint, ["reply", "replied_on", "replied_by", "status"])
        audit.record(
            actor=by,
            membership=membership,
            action="complaint.reply",
            obj=locked,
            after={"late": on > locked.reply_due_on},
        )
    return locked


def complaint_return_visit(
    *,
    by: User,
    complaint: Complaint,
    on: date,
    satisfaction: str,
    note: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """回访: ask the complainant whether the matter was settled; the complaint is then closed."""
    membership = authz.require(by, Perm.COMPLAINT_HANDLE, complaint.area_code)
    if satisfaction not in Satisfaction.values:
        raise ValidationFailed("请选择满意度", field_errors={"satisfaction": "必填"})
    ensure_not_future(on, "回访日期", field="on")
    with transaction.atomic():
        locked = _lock(complaint, expected_version, {ComplaintStatus.REPLIED}, "回访（须先答复）")
        ensure_not_before(on, locked.replied_on, "回访日期", "答复日期", field="on")
        locked.return_visit_on, locked.satisfaction = on, satisfaction
        locked.return_visit_note = (note or "").strip()
        locked.status = ComplaintStatus.CLOSED
        _save(locked, complaint, ["return_visit_on", "satisfaction", "return_visit_note", "status"])
        audit.record(
            actor=by,
            membership=membership,
            action="complaint.return_visit",
            obj=locked,
            after={"satisfaction": satisfaction},
        )
    return locked
