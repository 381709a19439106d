"""Inspections against the S3/S4/S2 checklists, findings, checklists per county and the inspection
report (检查报告)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from jiuzhu.cases.models import Case
from jiuzhu.core import audit, clock
from jiuzhu.core.dates import ensure_not_before, ensure_not_future
from jiuzhu.core.errors import Conflict, ValidationFailed
from jiuzhu.core.jurisdiction_codes import county_code as county_of
from jiuzhu.core.masking import mask_name
from jiuzhu.documents import services as documents
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level, Organisation, User
from jiuzhu.orgs.roles import Perm
from jiuzhu.orgs.selectors import county_bureau
from jiuzhu.supervision.models import (
    AnswerResult,
    ChecklistItem,
    ChecklistKind,
    Finding,
    FindingSource,
    FindingStatus,
    Inspection,
    InspectionAnswer,
    InspectionStatus,
    SampleItem,
    SampleKind,
    Severity,
)


def checklist_for(kind: str, county_code: str) -> list[ChecklistItem]:
    """National items, replaced item by item by the county's own (same code), plus the county's extra items."""
    rows = ChecklistItem.objects.filter(kind=kind, scope_code__in=["", county_code]).order_by("sort", "id")
    chosen: dict[str, ChecklistItem] = {}
    for row in rows:
        if row.code not in chosen or row.scope_code:
            chosen[row.code] = row
    return sorted((r for r in chosen.values() if r.is_active), key=lambda r: (r.sort, r.id))


@transaction.atomic
def checklist_item_save(
    *,
    by: User,
    county_code: str,
    kind: str,
    code: str,
    text: str,
    rule: str = "",
    evidence_hint: str = "",
    sort: int = 100,
    is_active: bool = True,
) -> ChecklistItem:
    """A county's own version of an item (or a new item): national items are never edited in place."""
    membership = authz.require(by, Perm.SUPERVISE, county_code)
    if county_of(county_code) != county_code:
        raise ValidationFailed("检查清单按县（区）维护")
    if kind not in ChecklistKind.values:
        raise ValidationFailed("清单类别无效", field_errors={"kind": "无效"})
    code = (code or "").strip()
    text = (text or "").strip()
    if not code or not text:
        raise ValidationFailed(
            "请填写编码和检查内容", field_errors={"code": "必填"} if not code else {"text": "必填"}
        )
    item, created = ChecklistItem.objects.update_or_create(
        kind=kind,
        code=code,
        scope_code=county_code,
        defaults={
            "text": text[:300],
            "rule": rule.strip()[:40],
            "evidence_hint": evidence_hint.strip()[:300],
            "sort": sort,
            "is_active": is_active,
        },
    )
    audit.record(
        actor=by,
        membership=membership,
        action="checklist.save",
        obj=item,
        area_code=county_code,
        after={"kind": kind, "code": code, "text": item.text, "active": is_active, "created": created},
    )
    return item


DEFAULT_KIND: dict[str, str] = {
    SampleKind.MONTHLY: ChecklistKind.PROCESS,
    SampleKind.YEARLY_HOME: ChecklistKind.HOME,
}


def inspection_start(
    *,
    by: User,
    case: Case,
    kind: str,
    inspected_on: date,
    sample_item: SampleItem | None = None,
    on_site: bool = False,
) -> Inspection:
    """Open a checklist for a case (usually a sampled one); every item of the county's list gets a row."""
    membership = authz.require(by, Perm.SUPERVISE, case.area_code)
    if kind not in ChecklistKind.values:
        raise ValidationFailed("检查类别无效", field_errors={"kind": "无效"})
    ensure_not_future(inspected_on, "检查日期", field="inspected_on")
    if sample_item is not None and sample_item.case_id != case.pk:
        raise ValidationFailed("抽中对象与申请不符")
    items = checklist_for(kind, case.county_code)
    if not items:
        raise ValidationFailed("本县（区）该检查清单没有启用的项目")
    with transaction.atomic():
        inspection = Inspection.objects.create(
            sample_item=sample_item,
            case=case,
            kind=kind,
            area_code=case.area_code,
            township_code=case.township_code,
            county_code=case.county_code,
            inspector=by,
            inspected_on=inspected_on,
            on_site=on_site or kind == ChecklistKind.HOME,
            created_at=clock.now(),
        )
        InspectionAnswer.objects.bulk_create(
            [InspectionAnswer(inspection=inspection, item=i, item_text=i.text) for i in items]
        )
        audit.record(
            actor=by,
            membership=membership,
            action="inspection.start",
            obj=inspection,
            after={"case": case.number, "kind": kind, "sample_item": sample_item.pk if sample_item else None},
        )
    return inspection


@dataclass(frozen=True)
class AnswerInput:
    answer_id: int
    result: str
    evidence: str = ""
    note: str = ""


def _locked(inspection: Inspection, expected_version: int | None) -> Inspection:
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict("该检查刚被他人修改，请刷新页面后重试")
    if locked.status == InspectionStatus.COMPLETED:
        raise ValidationFailed("检查已完成，不能再修改")
    return locked


def inspection_answer(
    *, by: User, inspection: Inspection, answers: list[AnswerInput], expected_version: int | None = None
) -> Inspection:
    """Record results, evidence and notes; a failing item needs a note saying what is wrong."""
    membership = authz.require(by, Perm.SUPERVISE, inspection.area_code)
    with transaction.atomic():
        locked = _locked(inspection, expected_version)
        rows = {a.pk: a for a in locked.answers.all()}
        errors: dict[str, str] = {}
        changed = []
        for a in answers:
            row = rows.get(a.answer_id)
            if row is None:
                raise ValidationFailed("检查项目不属于本次检查")
            if a.result and a.result not in AnswerResult.values:
                errors[f"result_{row.pk}"] = "结果无效"
                continue
            if a.result == AnswerResult.FAIL and not a.note.strip():
                errors[f"note_{row.pk}"] = "不符合的项目请说明问题"
                continue
            row.result, row.evidence, row.note = a.result, a.evidence.strip()[:300], a.note.strip()[:300]
            changed.append(row)
        if errors:
            raise ValidationFailed("检查结果有误：不符合的项目须说明问题", field_errors=errors)
        InspectionAnswer.objects.bulk_update(changed, ["result", "evidence", "note"])
        locked.version += 1
        locked.save(update_fields=["version"])
        audit.record(
            actor=by,
            membership=membership,
            action="inspection.answer",
            obj=locked,
            after={str(r.item_id): r.result for r in changed},
        )
    return locked


def inspection_complete(
    *,
    by: User,
    inspection: Inspection,
    conclusion: str,
    severity: str = Severity.MINOR,
    expected_version: int | None = None,
) -> Inspection:
    """Close the checklist: every item answered and a conclusion. Each failed item without a finding becomes
    one (S3/S4 findings are linked to the case and the township)."""
    membership = authz.require(by, Perm.SUPERVISE, inspection.area_code)
    if not (conclusion or "").strip():
        raise ValidationFailed("请填写检查结论", field_errors={"conclusion": "必填"})
    if severity not in Severity.values:
        raise ValidationFailed("严重程度无效", field_errors={"severity": "无效"})
    with transaction.atomic():
        locked = _locked(inspection, expected_version)
        answers = list(locked.answers.select_related("item"))
        blank = [a.item_text for a in answers if not a.result]
        if blank:
            raise ValidationFailed(f"还有 {len(blank)} 个项目未填写结果：" + "；".join(blank[:3]))
        created = []
        for a in answers:
            if a.result == AnswerResult.FAIL and not a.findings.exists():
                created.append(
                    _finding(
                        by=by,
                        source=FindingSource.INSPECTION,
                        case=locked.case,
                        description=f"{a.item_text}：{a.note}",
                        severity=severity,
                        rule=a.item.rule,
                        found_on=locked.inspected_on,
                        inspection=locked,
                        answer=a,
                    )
                )
        locked.status = InspectionStatus.COMPLETED
        locked.conclusion = conclusion.strip()
        locked.completed_at = clock.now()
        locked.version += 1
        locked.save()
        audit.record(
            actor=by,
            membership=membership,
            action="inspection.complete",
            obj=locked,
            after={
                "failed": sum(1 for a in answers if a.result == AnswerResult.FAIL),
                "findings_created": [f.pk for f in created],
            },
            reason=locked.conclusion,
        )
    inspection.status, inspection.version = locked.status, locked.version
    return locked


def _finding(
    *,
    by: User,
    source,
    case,
    description,
    severity,
    rule,
    found_on,
    inspection=None,
    answer=None,
    complaint=None,
    township_code: str = "",
) -> Finding:
    township = case.township_code if case is not None else township_code
    return Finding.objects.create(
        source=source,
        inspection=inspection,
        answer=answer,
        complaint=complaint,
        case=case,
        area_code=case.area_code if case is not None else township,
        township_code=township,
        county_code=county_of(township),
        severity=severity,
        rule=rule,
        description=description,
        found_on=found_on,
        created_by=by,
        created_at=clock.now(),
    )


def finding_record(
    *,
    by: User,
    description: str,
    severity: str,
    found_on: date,
    case: Case | None = None,
    township_code: str = "",
    inspection: Inspection | None = None,
    complaint=None,
    rule: str = "",
    source: str | None = None,
) -> Finding:
    """Record a problem found by supervision, on a case (or on a township when no single case is at fault)."""
    area = case.area_code if case is not None else (inspection.area_code if inspection else township_code)
    if not area:
        raise ValidationFailed("请指明问题所在的申请或乡镇（街道）")
    membership = authz.require(by, Perm.SUPERVISE, area)
    if not (description or "").strip():
        raise ValidationFailed("请填写问题描述", field_errors={"description": "必填"})
    if severity not in Severity.values:
        raise ValidationFailed("严重程度无效", field_errors={"severity": "无效"})
    ensure_not_future(found_on, "发现日期", field="found_on")
    if case is None and inspection is not None:
        case = inspection.case
    if case is None and not Jurisdiction.objects.filter(code=township_code, level=Level.TOWNSHIP).exists():
        raise ValidationFailed("请选择乡镇（街道）", field_errors={"township_code": "无效"})
    with transaction.atomic():
        finding = _finding(
            by=by,
            source=source
            or (
                FindingSource.INSPECTION
                if inspection
                else FindingSource.COMPLAINT
                if complaint
                else FindingSource.OTHER
            ),
            case=case,
            description=description.strip(),
            severity=severity,
            rule=rule.strip(),
            found_on=found_on,
            inspection=inspection,
            complaint=complaint,
            township_code=township_code,
        )
        audit.record(
            actor=by,
            membership=membership,
            action="finding.record",
            obj=finding,
            after={
                "severity": severity,
                "case": case.number if case else None,
                "description": finding.description,
            },
        )
    return finding


def finding_rectify(*, by: User, finding: Finding, rectified_on: date, rectification: str) -> Finding:
    """The township reports what it has put right."""
    membership = authz.require(by, Perm.WARNING_HANDLE, finding.area_code)
    ensure_not_future(rectified_on, "整改日期", field="rectified_on")
    ensure_not_before(rectified_on, finding.found_on, "整改日期", "发现日期", field="rectified_on")
    if not (rectification or "").strip():
        raise ValidationFailed("请填写整改情况", field_errors={"rectification": "必填"})
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        if locked.status == FindingStatus.CLOSED:
            raise ValidationFailed("该问题已销号")
        locked.status = FindingStatus.RECTIFIED
        locked.rectified_on = rectified_on
        locked.rectification = rectification.strip()
        locked.save(update_fields=["status", "rectified_on", "rectification"])
        audit.record(
            actor=by, membership=membership, action="finding.rectify", obj=locked, reason=locked.rectification
        )
    return locked


def finding_close(*, by: User, finding: Finding, note: str) -> Finding:
    """The bureau accepts the rectification (销号)."""
    membership = authz.require(by, Perm.SUPERVISE, finding.area_code)
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        if locked.status == FindingStatus.CLOSED:
            raise ValidationFailed("该问题已销号")
        locked.status = FindingStatus.CLOSED
        locked.save(update_fields=["status"])
        audit.record(
            actor=by, membership=membership, action="finding.close", obj=locked, reason=(note or "").strip()
        )
    return locked


# --- the inspection report (检查报告) -------------------------------------------------------------------


def bureau_of(county_code: str) -> Organisation:
    org = county_bureau(county_code)
    if org is None:
        raise ValidationFailed("本县（区）没有登记民政局机构，无法出具文书")
    return org


def place_name(code: str) -> str:
    return Jurisdiction.objects.filter(code=code).values_list("name", flat=True).first() or code


REPORT_TITLES: dict[str, tuple[str, str]] = {
    ChecklistKind.PROCESS: ("审核确认流程检查", "社会救助审核确认流程检查报告"),
    ChecklistKind.BENEFIT: ("保障水平检查", "社会救助保障水平检查报告"),
    ChecklistKind.HOME: ("在保对象入户核查", "社会救助对象入户核查报告"),
}


def report_context(inspection: Inspection) -> dict:
    case = inspection.case
    return {
        "township": place_name(inspection.township_code),
        "case_number": case.number,
        "head": mask_name(case.household.head_name),
        "assistance": case.get_assistance_type_display(),
        "kind": REPORT_TITLES[inspection.kind][0],
        "inspected_on": inspection.inspected_on,
        "inspector": inspection.inspector.get_full_name(),
        "on_site": inspection.on_site,
        "sample": str(inspection.sample_item.sample) if inspection.sample_item else "",
        "items": [
            {"text": a.item_text, "result": a.get_result_display(), "evidence": a.evidence, "note": a.note}
            for a in inspection.answers.all()
        ],
        "findings": [
            {"severity": f.get_severity_display(), "description": f.description}
            for f in inspection.findings.order_by("id")
        ],
        "conclusion": inspection.conclusion,
    }


def report_issue(*, by: User, inspection: Inspection) -> IssuedDocument:
    """S1, S3: the inspection report as an official PDF, issued by the bureau, kept with the inspection."""
    if inspection.status != InspectionStatus.COMPLETED:
        raise ValidationFailed("检查完成后才能出具检查报告")
    return documents.document_issue(
        by=by,
        kind="inspection_report",
        subject=inspection,
        context=report_context(inspection),
        issuing_org=bureau_of(inspection.county_code),
        area_code=inspection.area_code,
        title=REPORT_TITLES[inspection.kind][1],
    )
