"""Intake: applications from every channel, materials, signatures, the one-time notice, refusal, acceptance,
withdrawal and near-relative filings (A1–A4, DM2) — everything between a family asking and the procedure
starting. The moves among these (notice, refusal, acceptance, withdrawal) are rows of `transitions.py`;
materials and signatures are taken in while the table's "intake_records" window is open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from jiuzhu.cases import checks
from jiuzhu.cases.materials import missing_items, requirements_for
from jiuzhu.cases.models import (
    Case,
    CaseMaterial,
    CaseNotice,
    CaseNumberSequence,
    Channel,
    MaterialRequirement,
    NearRelativeFiling,
    NoticeKind,
    Signature,
    SignatureKind,
)
from jiuzhu.cases.models_steps import CaseStep, StepKind
from jiuzhu.cases.profiles import profile_for
from jiuzhu.cases.states import INITIAL
from jiuzhu.cases.transitions import EDITS, blocked_reason
from jiuzhu.cases.workflow import step
from jiuzhu.core import audit, clock
from jiuzhu.core.dates import ensure_not_before, ensure_not_future
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.filetypes import AttachmentKind, check_upload
from jiuzhu.core.money import to_yuan
from jiuzhu.core.problems import MAX_AMOUNT, Problems
from jiuzhu.core.types import AssistanceType
from jiuzhu.documents.services import attachment_store
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level, Membership, User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.models import (
    DiscoveryReport,
    DiscoveryStatus,
    Household,
    Member,
    NearRelative,
    UrbanRural,
)


def allocate_number(county_code: str, year: int) -> str:
    """County code + year + sequence, e.g. 230502-2026-000042. The row lock keeps numbers unique."""
    county6 = county_code[:6]
    CaseNumberSequence.objects.get_or_create(county_code=county6, year=year)
    seq = CaseNumberSequence.objects.select_for_update().get(county_code=county6, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{county6}-{year}-{seq.last:06d}"


def _expected_type(household: Household, assistance_type: str) -> str | None:
    if assistance_type == AssistanceType.DIBAO_URBAN and household.urban_rural == UrbanRural.RURAL:
        return "该户为农村家庭，应申请农村最低生活保障"
    if assistance_type == AssistanceType.DIBAO_RURAL and household.urban_rural == UrbanRural.URBAN:
        return "该户为城镇家庭，应申请城市最低生活保障"
    return None


@dataclass
class CaseInput:
    assistance_type: str
    applicant: Member
    applied_on: date
    reason: str
    requested_amount: object = None
    township_code: str = ""  # the township where the application is made; default: where the family lives


@transaction.atomic
def case_create(
    *,
    by: User | None,
    household: Household,
    data: CaseInput,
    channel: str,
    discovery: DiscoveryReport | None = None,
) -> Case:
    """Open an application from any channel (counter, village, discovery, online; `by` is None for a
    citizen's own online application). Past dates are allowed for paper work entered afterwards; a future
    date is refused."""
    township_code = data.township_code or household.township_code
    membership = authz.require(by, Perm.CASE_CREATE, household.area_code) if by is not None else None
    if by is not None and township_code != household.township_code:
        # Applying at the township of registration rather than residence (A1): that township's staff do it.
        authz.require(by, Perm.CASE_CREATE, township_code)
    problems = Problems()
    if data.assistance_type not in AssistanceType.values:
        problems.add("assistance_type", "请选择救助类型")
    elif reason := _expected_type(household, data.assistance_type):
        problems.add("assistance_type", reason)
    if channel not in Channel.values:
        problems.add("channel", "申请渠道无效")
    if data.applicant.household_id != household.pk or not data.applicant.is_active:
        problems.add("applicant", "申请人须为本户在户成员")
    try:
        ensure_not_future(data.applied_on, "申请日期")
    except ValidationFailed as exc:
        problems.add("applied_on", exc.message)
    if not data.reason.strip():
        problems.add("reason", "请填写申请原因")
    amount = None
    if data.assistance_type in (AssistanceType.LINSHI_EXPENSE, AssistanceType.LINSHI_EMERGENCY):
        try:
            amount = to_yuan(data.requested_amount, label="申请金额", maximum=MAX_AMOUNT)
            if amount <= 0:
                problems.add("requested_amount", "申请金额应大于零")
        except ValidationFailed as exc:
            problems.add("requested_amount", exc.message)
    township = Jurisdiction.objects.filter(code=township_code, level=Level.TOWNSHIP).first()
    if township is None:
        problems.add("township_code", "受理乡镇（街道）无效")
    problems.raise_if_any("申请信息有误，未保存")
    now = clock.now()
    county_code = township_code[:6] + "000000"
    case = Case.objects.create(
        number=allocate_number(county_code, data.applied_on.year),
        assistance_type=data.assistance_type,
        household=household,
        applicant=data.applicant,
        area_code=household.area_code if household.area_code.startswith(township_code[:9]) else township_code,
        township_code=township_code,
        county_code=county_code,
        channel=channel,
        applied_on=data.applied_on,
        reason=data.reason.strip(),
        requested_amount=amount,
        status=INITIAL,
        profile=profile_for(county_code, data.assistance_type).code,
        discovery=discovery,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    found = checks.run(case)
    audit.record(
        actor=by,
        membership=membership,
        action="case.create",
        obj=case,
        after={
            "type": case.assistance_type,
            "channel": channel,
            "applied_on": case.applied_on,
            "checks": [c.message for c in found],
        },
    )
    return case


@transaction.atomic
def case_from_discovery(
    *, by: User, report: DiscoveryReport, household: Household, data: CaseInput, consent_on: date
) -> Case:
    """A2: a proactive-discovery report becomes an application once the household agrees."""
    report = DiscoveryReport.objects.select_for_update().get(pk=report.pk)
    authz.require(by, Perm.CASE_CREATE, report.area_code)
    if report.status != DiscoveryStatus.OPEN:
        raise ValidationFailed("该报告已处理，不能再转为申请")
    ensure_not_future(consent_on, "同意申请日期", field="consent_on")
    ensure_not_before(consent_on, report.reported_on, "同意申请日期", "发现日期", field="consent_on")
    if household.area_code != report.area_code:
        raise ValidationFailed("所选家庭不在报告的村（社区）", field_errors={"household": "不在本村"})
    case = case_create(by=by, household=household, data=data, channel=Channel.DISCOVERY, discovery=report)
    report.status = DiscoveryStatus.CONVERTED
    report.consent_on = consent_on
    report.household = household
    report.save()
    audit.record(
        actor=by,
        membership=authz.membership_for(by, Perm.CASE_CREATE, report.area_code),
        action="discovery.convert",
        obj=report,
        after={"case": case.number},
    )
    return case


def _editable(case: Case, by: User) -> Membership | None:
    """Materials and signatures are recorded while the table keeps intake open for them."""
    membership = authz.require(by, EDITS["intake_records"].perm, case.area_code)
    if closed := blocked_reason(case, "intake_records"):
        raise ValidationFailed(closed)
    return membership


def material_receive(
    *,
    by: User,
    case: Case,
    requirement: MaterialRequirement,
    received_on: date,
    member: Member | None = None,
    note: str = "",
    scan: UploadedFile | None = None,
) -> CaseMaterial:
    """Record a material as received, with its scan when given (A3, AR1). The scan's type and size are
    checked before anything is written; the file itself is stored after the record commits."""
    if scan is not None:
        check_upload(upload=scan, kind=AttachmentKind.SCAN)
    with transaction.atomic():
        membership = _editable(case, by)
        if requirement.id not in {r.id for r in requirements_for(case.assistance_type, case.county_code)}:
            raise ValidationFailed("该材料不在本类救助的材料清单中")
        if requirement.shared:
            raise ValidationFailed(f"“{requirement.name}”可通过数据共享获取，不应要求申请人提供（A3）")
        if requirement.per_member and (member is None or member.household_id != case.household_id):
            raise ValidationFailed("请选择本户成员", field_errors={"member": "必选"})
        ensure_not_future(received_on, "收到日期", field="received_on")
        ensure_not_before(received_on, case.applied_on, "收到日期", "申请日期", field="received_on")
        material, created = CaseMaterial.objects.get_or_create(
            case=case,
            requirement=requirement,
            member=member if requirement.per_member else None,
            defaults={
                "received_on": received_on,
                "note": note.strip(),
                "received_by": by,
                "created_at": clock.now(),
            },
        )
        if not created:
            raise ValidationFailed(f"“{requirement.name}”已登记收到")
        audit.record(
            actor=by,
            membership=membership,
            action="case.material_receive",
            obj=case,
            after={"material": requirement.name, "received_on": received_on, "scan": scan is not None},
        )
    if scan is not None:
        attachment_store(
            by=by,
            upload=scan,
            kind=AttachmentKind.SCAN,
            area_code=case.area_code,
            owner=material,
            note=requirement.name,
        )
    return material


@transaction.atomic
def material_remove(*, by: User, material: CaseMaterial, reason: str) -> None:
    case = material.case
    membership = _editable(case, by)
    if not reason.strip():
        raise ValidationFailed("请说明撤销登记的原因")
    audit.record(
        actor=by,
        membership=membership,
        action="case.material_remove",
        obj=case,
        before={"material": material.requirement.name},
        reason=reason.strip(),
    )
    material.delete()


@transaction.atomic
def signature_record(
    *, by: User | None, case: Case, member: Member, kind: str, signed_on: date, online: bool = False
) -> Signature:
    """A3: the commitment letter and the verification authorisation, per member who signs."""
    membership = _editable(case, by) if by is not None else None
    if kind not in SignatureKind.values:
        raise ValidationFailed("签署类型无效")
    if member.household_id != case.household_id:
        raise ValidationFailed("签署人须为本户成员")
    ensure_not_future(signed_on, "签署日期", field="signed_on")
    signature, created = Signature.objects.get_or_create(
        case=case,
        member=member,
        kind=kind,
        defaults={"signed_on": signed_on, "online": online, "recorded_by": by, "created_at": clock.now()},
    )
    if not created:
        raise ValidationFailed(f"{member.name}的{SignatureKind(kind).label}已登记")
    audit.record(
        actor=by,
        membership=membership,
        action="case.signature",
        obj=case,
        after={"member": member.id_masked, "kind": kind, "signed_on": signed_on, "online": online},
    )
    return signature


def notify_missing(*, by: User, case: Case, issued_on: date | None = None) -> CaseNotice:
    """A4: one notice listing every missing item (一次性告知)."""
    issued_on = issued_on or clock.today()
    with step(case=case, action="notify_missing", by=by) as s:
        missing = missing_items(s.case)
        if not missing:
            raise ValidationFailed("材料已齐全，无需一次性告知，可直接受理")
        ensure_not_future(issued_on, "告知日期")
        ensure_not_before(issued_on, s.case.applied_on, "告知日期", "申请日期")
        notice = CaseNotice.objects.create(
            case=s.case,
            kind=NoticeKind.MISSING_MATERIALS,
            items=[m.label for m in missing],
            issued_on=issued_on,
            issued_by=by,
            created_at=clock.now(),
        )
        s.audit_after = {"missing": notice.items}
    return notice


def refuse(*, by: User, case: Case, reasons: list[str], issued_on: date | None = None) -> CaseNotice:
    """A4: clearly not eligible — a written notice with reasons."""
    reasons = [r.strip() for r in reasons if r and r.strip()]
    if not reasons:
        raise ValidationFailed("请填写不予受理的理由", field_errors={"reasons": "必填"})
    issued_on = issued_on or clock.today()
    with step(case=case, action="refuse", by=by) as s:
        ensure_not_future(issued_on, "告知日期")
        notice = CaseNotice.objects.create(
            case=s.case,
            kind=NoticeKind.NOT_ELIGIBLE,
            items=reasons,
            issued_on=issued_on,
            issued_by=by,
            created_at=clock.now(),
        )
        s.audit_after = {"reasons": reasons}
        s.reason = "；".join(reasons)
    return notice


def accept(*, by: User, case: Case, accepted_on: date, expected_version: int | None = None) -> Case:
    """A4: accept when every required material and signature is in. The time limit (P7) starts here."""
    with step(case=case, action="accept", by=by, expected_version=expected_version, on=accepted_on) as s:
        ensure_not_future(accepted_on, "受理日期", field="accepted_on")
        ensure_not_before(accepted_on, s.case.applied_on, "受理日期", "申请日期", field="accepted_on")
        CaseStep.objects.create(
            case=s.case, kind=StepKind.ACCEPT, on=accepted_on, by=by, created_at=clock.now()
        )
        s.audit_after = {"accepted_on": accepted_on}
    return case


def withdraw(*, by: User, case: Case, on: date, reason: str) -> Case:
    """The applicant withdraws at any point before the decision."""
    if not reason.strip():
        raise ValidationFailed("请填写撤回原因", field_errors={"reason": "必填"})
    with step(case=case, action="withdraw", by=by, on=on) as s:
        ensure_not_future(on, "撤回日期", field="on")
        ensure_not_before(on, s.case.applied_on, "撤回日期", "申请日期", field="on")
        CaseStep.objects.create(
            case=s.case, kind=StepKind.WITHDRAW, on=on, by=by, note=reason.strip(), created_at=clock.now()
        )
        s.reason = reason.strip()
    return case


@transaction.atomic
def rerun_checks(*, by: User, case: Case) -> list:
    membership = authz.require(by, Perm.CASE_PROCESS, case.area_code)
    found = checks.run(case)
    audit.record(
        actor=by,
        membership=membership,
        action="case.checks",
        obj=case,
        after={"checks": [c.message for c in found]},
    )
    return found


@transaction.atomic
def file_near_relative(
    *, by: User, case: Case, relative: NearRelative, filed_on: date, note: str
) -> NearRelativeFiling:
    """DM2: record the filing (近亲属备案) that lets a flagged case go to a decision."""
    membership = authz.require(by, Perm.CASE_PROCESS, case.area_code)
    problems = Problems()
    with problems.gather("filed_on"):
        ensure_not_future(filed_on, "备案日期", field="filed_on")
    if not note.strip():
        problems.add("note", "必填", "请填写备案说明")
    problems.raise_if_any("近亲属备案未保存")
    member = case.household.members.filter(id_index=relative.relative_id_index).first()
    if member is None:
        raise ValidationFailed("该近亲属不是本户成员")
    filing, created = NearRelativeFiling.objects.get_or_create(
        case=case,
        relative=relative,
        defaults={
            "member": member,
            "filed_on": filed_on,
            "note": note.strip(),
            "filed_by": by,
            "created_at": clock.now(),
        },
    )
    if not created:
        raise ValidationFailed("已备案")
    audit.record(
        actor=by,
        membership=membership,
        action="case.near_relative_filing",
        obj=case,
        after={
            "relative": relative.relative_id_masked,
            "official": relative.official_name,
            "filed_on": filed_on,
        },
    )
    return filing
