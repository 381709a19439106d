"""Every read of the citizen portal. Public reads (policies, the materials list) need nothing; what belongs
to one household is reached only through an `Access` from a successful status query (`services`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from jiuzhu.cases.materials import requirements_for
from jiuzhu.cases.models import Case, MaterialRequirement
from jiuzhu.cases.models_steps import StepKind
from jiuzhu.core import clock
from jiuzhu.core.errors import Forbidden, NotFound
from jiuzhu.core.masking import mask_name
from jiuzhu.core.types import AssistanceType
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.orgs.roles import Perm
from jiuzhu.portal.models import Complaint
from jiuzhu.portal.services import Access
from jiuzhu.registry.models import Member

# Documents addressed to the household or posted publicly; internal records (investigation form, minutes)
# stay with the township.
HOUSEHOLD_DOCUMENT_KINDS = (
    "missing_materials_notice",
    "not_eligible_notice",
    "public_notice",
    "approval_notice",
    "rejection_notice",
    "adjustment_notice",
)

# Plain words for the applicant on what each type is (DOMAIN §2).
TYPE_SUMMARIES: dict[str, str] = {
    AssistanceType.DIBAO_URBAN: "城镇居民家庭人均收入低于当地城市低保标准、且财产符合规定的，可按月领取差额补助。",
    AssistanceType.DIBAO_RURAL: "农村居民家庭人均收入低于当地农村低保标准、且财产符合规定的，可按月领取差额补助。",
    AssistanceType.TEKUN: "无劳动能力、无生活来源、无法定赡养抚养扶养义务人（或其无履行能力）的老年人、残疾人和未成年人，可申请救助供养。",
    AssistanceType.LINSHI_EXPENSE: "因教育、医疗等生活必需支出突然增加超出家庭承受能力，导致基本生活暂时出现严重困难的家庭。",
    AssistanceType.LINSHI_EMERGENCY: "因火灾、交通事故等意外事件或家庭成员突发重大疾病，导致基本生活暂时出现严重困难的，可先行救助。",
    AssistanceType.LOW_INCOME: "家庭人均收入略高于低保标准、财产符合规定的低收入家庭，可申请认定，享受相应专项救助。",
}


def counties() -> QuerySet[Jurisdiction]:
    return Jurisdiction.objects.filter(level=Level.COUNTY).order_by("code")


def county(code: str | None) -> Jurisdiction | None:
    if not code:
        return None
    return Jurisdiction.objects.filter(code=code, level=Level.COUNTY).first()


def villages_by_township(county_code: str) -> list[tuple[str, list[Jurisdiction]]]:
    prefix = county_code[:6]
    townships = {
        j.code: j.name
        for j in Jurisdiction.objects.filter(level=Level.TOWNSHIP, code__startswith=prefix).order_by("code")
    }
    groups: dict[str, list[Jurisdiction]] = {code: [] for code in townships}
    for village in Jurisdiction.objects.filter(level=Level.VILLAGE, code__startswith=prefix).order_by("code"):
        groups.setdefault(village.code[:9] + "000", []).append(village)
    return [(townships.get(code, code), rows) for code, rows in groups.items() if rows]


def areas_for_complaints() -> list[tuple[str, list[Jurisdiction]]]:
    """Counties (as groups), each with its townships, for the complaint form: complaints are handled per
    township (S8)."""
    out = []
    for c in counties():
        townships = list(
            Jurisdiction.objects.filter(level=Level.TOWNSHIP, code__startswith=c.code[:6]).order_by("code")
        )
        out.append((c.name, townships))
    return out


@dataclass(frozen=True)
class MaterialRow:
    name: str
    needed: bool
    per_member: bool
    note: str


def materials(assistance_type: str, county_code: str) -> list[MaterialRow]:
    """A3: the checklist as the county keeps it; shared items are listed as not needed."""
    rows: list[MaterialRequirement] = requirements_for(assistance_type, county_code)
    return [
        MaterialRow(r.name, r.required and not r.shared, r.per_member, r.note)
        for r in rows
        if r.required or r.shared
    ]


# --- one household, through an Access -------------------------------------------------------------------


def access_from_session(data: dict | None) -> Access | None:
    if not isinstance(data, dict):
        return None
    try:
        access = Access(int(data["case_id"]), int(data["member_id"]), str(data["until"]))
        until = datetime.fromisoformat(access.until)
    except (KeyError, TypeError, ValueError):
        return None
    return access if until > clock.now() else None


def case_for(access: Access) -> Case:
    case = Case.objects.select_related("household").filter(pk=access.case_id).first()
    if (
        case is None
        or not Member.objects.filter(
            pk=access.member_id, household_id=case.household_id, is_active=True
        ).exists()
    ):
        raise NotFound("查询已失效，请重新查询")
    return case


@dataclass(frozen=True)
class CaseView:
    number: str
    assistance: str
    status: str
    status_label: str
    applied_on: date
    township: str
    head_masked: str
    member_masked: str
    timeline: list[tuple[date, str]]
    can_object: bool
    notice_end_on: date | None


def case_view(access: Access) -> CaseView:
    """What the household sees: names masked (P2), the steps with their dates, whether it may object now."""
    case = case_for(access)
    member = Member.objects.get(pk=access.member_id)
    township = Jurisdiction.objects.filter(code=case.township_code).values_list("name", flat=True).first()
    labels = dict(StepKind.choices)
    timeline = [(case.applied_on, "提交申请")] + [
        (s.on, labels.get(s.kind, s.kind)) for s in case.steps.order_by("on", "id")
    ]
    notice = case.public_notices.filter(closed_on__isnull=True).order_by("-start_on").first()
    return CaseView(
        number=case.number,
        assistance=case.get_assistance_type_display(),
        status=case.status,
        status_label=case.status_label,
        applied_on=case.applied_on,
        township=township or "",
        head_masked=mask_name(case.household.head_name),
        member_masked=mask_name(member.name),
        timeline=timeline,
        can_object=case.status == "notice" and notice is not None,
        notice_end_on=notice.end_on if notice else None,
    )


def intake_notices(access: Access):
    return case_for(access).notices.order_by("issued_on", "id")


def documents(access: Access) -> QuerySet[IssuedDocument]:
    case = case_for(access)
    return IssuedDocument.objects.filter(
        subject_type=ContentType.objects.get_for_model(Case),
        subject_id=str(case.pk),
        kind__in=HOUSEHOLD_DOCUMENT_KINDS,
        revoked=False,
    ).order_by("issued_at", "id")


def document(access: Access, document_id: int) -> IssuedDocument:
    found = documents(access).filter(pk=document_id).first()
    if found is None:
        raise NotFound("未找到该文书")
    return found


def objections(access: Access):
    return case_for(access).objections.order_by("received_on", "id")


# --- staff: complaints waiting for supervision ----------------------------------------------------------


def complaints_visible_to(user) -> QuerySet[Complaint]:
    """Complaints in the user's county, for the bureau's staff who handle complaints (S8). Township staff do
    not see them: a complaint is often about their own township's work."""
    from django.db.models import Q

    authz.require(user, Perm.COMPLAINT_HANDLE)
    if authz.is_global(user):
        return Complaint.objects.all()
    prefixes = [
        m.organisation.jurisdiction.prefix
        for m in authz.memberships(user)
        if Perm.COMPLAINT_HANDLE in authz.perms_of(m.role)
        and m.organisation.jurisdiction.level <= Level.COUNTY
    ]
    if not prefixes:
        raise Forbidden("投诉举报由民政局督查办理，乡镇（街道）不能查看")
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(area_code__startswith=p)
    return Complaint.objects.filter(q)
