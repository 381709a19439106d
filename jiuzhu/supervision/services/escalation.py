"""Escalation (S7): a matter opened at a level, answered by the township, accepted or escalated one rung
up the ladder (reminder → prompt letter → circulated criticism / special supervision letter → referral),
each step with its deadline; letters printable as PDF (督办提示函)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from jiuzhu.cases.models import Case
from jiuzhu.core import audit, clock, params, workdays
from jiuzhu.core.dates import ensure_not_before, ensure_not_future
from jiuzhu.core.errors import Conflict, ValidationFailed
from jiuzhu.core.jurisdiction_codes import county_code as county_of
from jiuzhu.core.masking import mask_name
from jiuzhu.documents import services as documents
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Organisation, User
from jiuzhu.orgs.models import Level as Lvl
from jiuzhu.orgs.roles import OrgKind, Perm
from jiuzhu.supervision.models import (
    LADDER,
    LETTER_LEVELS,
    Alert,
    Finding,
    Level,
    Matter,
    MatterStatus,
    MatterStep,
    StepReview,
    rung,
)
from jiuzhu.supervision.rules import label_of
from jiuzhu.supervision.services.inspections import bureau_of, place_name

LETTER_TITLES: dict[str, str] = {
    Level.PROMPT: "督办提示函",
    Level.CRITICISM: "通报批评",
    Level.SPECIAL: "专项督办函",
    Level.REFERRAL: "问题线索移送函",
}


@dataclass(frozen=True)
class StepInput:
    level: str
    issued_on: date
    due_on: date | None  # None: the default deadline (parameter, working days)
    measures: str
    responsible: str
    content: str = ""


def default_due(township_code: str, issued_on: date) -> date:
    days = params.get("supervision.prompt_due_working_days", area_code=township_code, on=issued_on)
    return workdays.add_working_days(issued_on, days).date


def _check_step(matter_township: str, data: StepInput) -> date:
    problems: dict[str, str] = {}
    if data.level not in Level.values:
        problems["level"] = "督办层级无效"
    if not data.measures.strip():
        problems["measures"] = "请填写整改措施"
    if not data.responsible.strip():
        problems["responsible"] = "请填写整改责任人"
    if problems:
        raise ValidationFailed("督办内容不完整：" + "；".join(problems.values()), field_errors=problems)
    ensure_not_future(data.issued_on, "下达日期", field="issued_on")
    due = data.due_on or default_due(matter_township, data.issued_on)
    if due <= data.issued_on:
        raise ValidationFailed("整改时限应晚于下达日期", field_errors={"due_on": "应晚于下达日期"})
    return due


def _new_step(matter: Matter, data: StepInput, due: date, by: User) -> MatterStep:
    return MatterStep.objects.create(
        matter=matter,
        level=data.level,
        issued_on=data.issued_on,
        due_on=due,
        measures=data.measures.strip(),
        responsible=data.responsible.strip(),
        content=data.content.strip(),
        issued_by=by,
        created_at=clock.now(),
    )


def matter_open(
    *,
    by: User,
    township_code: str,
    title: str,
    problem: str,
    step: StepInput,
    case: Case | None = None,
    findings: Sequence[Finding] = (),
    alerts: Sequence[Alert] = (),
    complaint=None,
) -> Matter:
    """Open a matter at any level (a general problem is a reminder; a long-term one a prompt letter)."""
    membership = authz.require(by, Perm.SUPERVISE, township_code)
    if not Jurisdiction.objects.filter(code=township_code, level=Lvl.TOWNSHIP).exists():
        raise ValidationFailed("请选择乡镇（街道）", field_errors={"township_code": "无效"})
    if not (title or "").strip() or not (problem or "").strip():
        raise ValidationFailed("请填写督办事项和问题描述", field_errors={"title": "必填"})
    linked_areas = (
        [f.area_code for f in findings] + [a.area_code for a in alerts] + ([case.area_code] if case else [])
    )
    for area in linked_areas:
        if not area.startswith(township_code[:9]):
            raise ValidationFailed("关联的问题、预警或申请不属于该乡镇（街道）")
    due = _check_step(township_code, step)
    with transaction.atomic():
        matter = Matter.objects.create(
            county_code=county_of(township_code),
            township_code=township_code,
            title=title.strip()[:120],
            problem=problem.strip(),
            case=case,
            complaint=complaint,
            level=step.level,
            opened_on=step.issued_on,
            created_by=by,
            created_at=clock.now(),
        )
        matter.findings.set(findings)
        matter.alerts.set(alerts)
        first = _new_step(matter, step, due, by)
        audit.record(
            actor=by,
            membership=membership,
            action="matter.open",
            obj=matter,
            after={
                "level": step.level,
                "due_on": due,
                "responsible": first.responsible,
                "findings": [f.pk for f in findings],
                "alerts": [a.pk for a in alerts],
            },
        )
    return matter


def _lock(matter: Matter, expected_version: int | None) -> Matter:
    locked = Matter.objects.select_for_update().get(pk=matter.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict("该督办事项刚被他人处理，请刷新页面后重试")
    if locked.status == MatterStatus.CLOSED:
        raise ValidationFailed("该督办事项已办结")
    return locked


def next_levels(level: str) -> list[str]:
    r = rung(level)
    return sorted(LADDER[r + 1]) if r + 1 < len(LADDER) else []


def matter_escalate(
    *, by: User, matter: Matter, step: StepInput, review_note: str = "", expected_version: int | None = None
) -> MatterStep:
    """S7: one rung up — when the answer is not good enough, or the deadline passed without one."""
    membership = authz.require(by, Perm.SUPERVISE, matter.township_code)
    due = _check_step(matter.township_code, step)
    with transaction.atomic():
        locked = _lock(matter, expected_version)
        current = locked.steps.latest("id")
        if step.level not in next_levels(locked.level):
            allowed = "、".join(Level(v).label for v in next_levels(locked.level)) or "无（已是最高层级）"
            raise ValidationFailed(
                f"当前为“{Level(locked.level).label}”，只能升级为：{allowed}",
                field_errors={"level": "不能升级到此层级"},
            )
        today = clock.today()
        if current.answered_on is None and not current.overdue_on(today):
            raise ValidationFailed(f"整改时限为 {current.due_on:%Y-%m-%d}，尚未到期且未回复，暂不能升级")
        ensure_not_before(
            step.issued_on, current.issued_on, "下达日期", "上一环节下达日期", field="issued_on"
        )
        if current.answered_on is not None and not current.review:
            current.review = StepReview.ESCALATED
            current.reviewed_on = step.issued_on
            current.review_note = (review_note or "").strip()
            current.save(update_fields=["review", "reviewed_on", "review_note"])
        new = _new_step(locked, step, due, by)
        before = locked.level
        locked.level = step.level
        locked.status = MatterStatus.OPEN
        locked.version += 1
        locked.save(update_fields=["level", "status", "version"])
        audit.record(
            actor=by,
            membership=membership,
            action="matter.escalate",
            obj=locked,
            before={"level": before, "overdue": current.overdue_on(today)},
            after={"level": step.level, "due_on": due, "responsible": new.responsible},
            reason=(review_note or "").strip(),
        )
    matter.level, matter.status, matter.version = locked.level, locked.status, locked.version
    return new


def matter_answer(
    *, by: User, matter: Matter, answer: str, answered_on: date, expected_version: int | None = None
) -> MatterStep:
    """The township answers the current step with what it has put right (in its supervision queue)."""
    membership = authz.require(by, Perm.WARNING_HANDLE, matter.township_code)
    if not (answer or "").strip():
        raise ValidationFailed("请填写整改情况", field_errors={"answer": "必填"})
    ensure_not_future(answered_on, "回复日期", field="answered_on")
    with transaction.atomic():
        locked = _lock(matter, expected_version)
        current = locked.steps.latest("id")
        if current.answered_on is not None:
            raise ValidationFailed("已回复，请等待民政局审核")
        ensure_not_before(answered_on, current.issued_on, "回复日期", "下达日期", field="answered_on")
        current.answered_on = answered_on
        current.answer = answer.strip()
        current.answered_by = by
        current.save(update_fields=["answered_on", "answer", "answered_by"])
        locked.status = MatterStatus.ANSWERED
        locked.version += 1
        locked.save(update_fields=["status", "version"])
        audit.record(
            actor=by,
            membership=membership,
            action="matter.answer",
            obj=locked,
            after={"level": current.level, "late": answered_on > current.due_on},
            reason=current.answer,
        )
    matter.status, matter.version = locked.status, locked.version
    return current


def matter_close(
    *, by: User, matter: Matter, note: str, on: date | None = None, expected_version: int | None = None
) -> Matter:
    """The bureau accepts the answer: the matter is closed (办结)."""
    membership = authz.require(by, Perm.SUPERVISE, matter.township_code)
    on = on or clock.today()
    ensure_not_future(on, "办结日期", field="on")
    with transaction.atomic():
        locked = _lock(matter, expected_version)
        current = locked.steps.latest("id")
        if current.answered_on is None:
            raise ValidationFailed("乡镇（街道）尚未回复整改情况，不能办结")
        current.review = StepReview.ACCEPTED
        current.reviewed_on = on
        current.review_note = (note or "").strip()
        current.save(update_fields=["review", "reviewed_on", "review_note"])
        locked.status = MatterStatus.CLOSED
        locked.closed_on = on
        locked.close_note = (note or "").strip()
        locked.version += 1
        locked.save(update_fields=["status", "closed_on", "close_note", "version"])
        audit.record(
            actor=by,
            membership=membership,
            action="matter.review",
            obj=locked,
            after={"review": StepReview.ACCEPTED},
            reason=locked.close_note,
        )
    matter.status, matter.version = locked.status, locked.version
    return locked


def overdue_steps(qs=None, today: date | None = None):
    """S7 overdue tracking: current steps of open matters past their deadline without an answer."""
    today = today or clock.today()
    qs = qs if qs is not None else MatterStep.objects.all()
    return qs.filter(
        matter__status=MatterStatus.OPEN, answered_on__isnull=True, due_on__lt=today
    ).select_related("matter")


# --- letters ------------------------------------------------------------------------------------------


def township_org(code: str) -> Organisation | None:
    return Organisation.objects.filter(jurisdiction_id=code, kind=OrgKind.TOWNSHIP).first()


def letter_context(step: MatterStep) -> dict:
    matter = step.matter
    org = township_org(matter.township_code)
    findings = [f.description for f in matter.findings.order_by("id")]
    alerts = [f"{label_of(a.rule)}：{a.detail}" for a in matter.alerts.order_by("id")]
    return {
        "addressee": org.name if org else place_name(matter.township_code),
        "level": step.get_level_display(),
        "title": matter.title,
        "problem": matter.problem,
        "problems": findings + alerts,
        "case_number": matter.case.number if matter.case else "",
        "case_head": mask_name(matter.case.household.head_name) if matter.case else "",
        "content": step.content,
        "measures": step.measures,
        "responsible": step.responsible,
        "due_on": step.due_on,
        "issued_on": step.issued_on,
        "earlier": [
            {
                "level": s.get_level_display(),
                "issued_on": s.issued_on,
                "due_on": s.due_on,
                "answered_on": s.answered_on,
            }
            for s in matter.steps.filter(id__lt=step.id).order_by("id")
        ],
    }


def letter_issue(*, by: User, step: MatterStep) -> IssuedDocument:
    """Print a step's letter (提示函, 通报批评, 专项督办函, 移送函) as an official PDF of the bureau."""
    if step.level not in LETTER_LEVELS:
        raise ValidationFailed("工作提示（电话提醒/现场指导）不出具书面文书")
    if step.document_id:
        raise ValidationFailed("该环节的文书已出具")

    def record(document) -> None:
        # Of two simultaneous requests only the first keeps its letter (conditional update); the other's
        # number is recorded void in the register with this reason.
        if not MatterStep.objects.filter(pk=step.pk, document__isnull=True).update(document=document):
            raise ValidationFailed("该环节的文书已出具")
        audit.record(
            actor=by,
            membership=authz.membership_for(by, Perm.SUPERVISE, step.matter.township_code),
            action="matter.letter",
            obj=step.matter,
            after={"document": document.pk, "number": document.number, "level": step.level},
        )

    document = documents.document_issue(
        by=by,
        kind="prompt_letter",
        subject=step,
        context=letter_context(step),
        issuing_org=bureau_of(step.matter.county_code),
        area_code=step.matter.township_code,
        title=LETTER_TITLES[step.level],
        on_record=record,
    )
    step.document = document
    return document
