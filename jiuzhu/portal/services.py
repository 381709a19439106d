"""Every write of the citizen portal (A3, P2/P3, S8). Each function does its own checks first, then calls the
ordinary service with a portal actor limited to what that call needs (`actor.portal_actor`, D-101).

Citizens are not staff: nothing here takes a staff user, and nothing a staff selector returns is reachable
from here. The status query proves knowledge of an application number and the ID number of a member of
its household; what it unlocks (status, the household's notices, an objection) is kept in the session as an
`Access` for a short time.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from jiuzhu.api import ratelimit
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import Objection
from jiuzhu.cases.services import online, steps
from jiuzhu.cases.states import State
from jiuzhu.core import audit, clock, crypto, idnumber
from jiuzhu.core.errors import DomainError, Forbidden, ValidationFailed
from jiuzhu.core.filetypes import AttachmentKind, check_upload
from jiuzhu.core.masking import mask_phone
from jiuzhu.core.types import AssistanceType
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.documents.services import attachment_store
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.orgs.roles import Perm
from jiuzhu.portal import phone as phone_codes
from jiuzhu.portal.actor import portal_actor
from jiuzhu.portal.models import Complaint, ComplaintKind, ComplaintStatus
from jiuzhu.registry.identity import ID_PURPOSE
from jiuzhu.registry.models import Member
from jiuzhu.registry.services.member_input import MemberInput
from jiuzhu.supervision.models import ComplaintChannel
from jiuzhu.supervision.services.complaints import complaint_submit as supervision_intake

log = logging.getLogger(__name__)

# Technical bounds of one submission (not policy numbers): a phone uploads a handful of photos.
MAX_UPLOADS = 10
# How long a successful status query keeps the household's pages open in the browser session.
ACCESS_MINUTES = 30

audit.register_actions(
    {
        "portal.status_query": "群众网上查询进度",
        "portal.document_open": "群众网上查看文书",
        "portal.complaint": "群众网上投诉举报",
    }
)


class TooManyRequests(DomainError):
    status = 429
    code = "rate_limited"
    default_message = "操作过于频繁，请稍后再试"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, (retry_after + 59) // 60)
        super().__init__(f"操作过于频繁，请约 {minutes} 分钟后再试")
        self.retry_after = retry_after


def _limit(scope: str, key: str) -> None:
    outcome = ratelimit.hit(f"{scope}:{key}", ratelimit.rate_of(scope))
    if not outcome.allowed:
        raise TooManyRequests(outcome.retry_after)


# --- online application (A3) ----------------------------------------------------------------------------


@dataclass
class PortalApplication:
    area_code: str
    address: str
    phone: str
    members: list[MemberInput]
    assistance_type: str
    reason: str
    requested_amount: object = None
    consent_verification: bool = False
    consent_commitment: bool = False
    uploads: list[UploadedFile] = field(default_factory=list)
    # (ID number, phone, one-time code) of each member confirming online; the head's phone is `phone`.
    signers: list[tuple[str, str, str]] = field(default_factory=list)
    incomes: list[online.OnlineIncome] = field(default_factory=list)
    assets: list[online.OnlineAsset] = field(default_factory=list)
    # Scans per checklist item (requirement code → files).
    items: dict[str, list[UploadedFile]] = field(default_factory=dict)


def phone_code_send(*, phone: str, ip: str) -> str:
    """A one-time code to confirm a member's consent online; limited per address."""
    _limit("portal_phone", f"ip:{ip or 'unknown'}")
    return phone_codes.code_send(phone=phone)


def application_submit(*, data: PortalApplication, ip: str) -> Case:
    """A3, 最多跑一次: a household applies from a phone with what the paper application holds — members,
    income by category, property, reason — and every adult member confirms the verification authorisation
    and the commitment letter with a code sent to their phone. The consents are required; codes and uploads
    are checked before anything is written, codes are used up with the application, and uploads are stored
    after it commits: scans of checklist items as those items received, other photos owned by the case.
    Returns the case, whose number the applicant keeps."""
    _limit("portal_submit", f"ip:{ip or 'unknown'}")
    problems: dict[str, str] = {}
    if not data.consent_verification:
        problems["consent_verification"] = "须同意家庭经济状况核对授权"
    if not data.consent_commitment:
        problems["consent_commitment"] = "须签署承诺书"
    if data.assistance_type not in AssistanceType.values:
        problems["assistance_type"] = "请选择救助类型"
    village = Jurisdiction.objects.filter(code=data.area_code, level=Level.VILLAGE).first()
    if village is None:
        problems["area_code"] = "请选择居住的村（社区）"
    files = [*data.uploads, *(f for fs in data.items.values() for f in fs)]
    if len(files) > MAX_UPLOADS:
        problems["uploads"] = f"一次最多上传 {MAX_UPLOADS} 个文件"
    if problems:
        raise ValidationFailed("申请信息不完整，请按提示补充", field_errors=problems)
    for upload in files:
        check_upload(upload=upload, kind=AttachmentKind.SCAN)
    codes, signers = [], {}
    for i, (id_number, phone, code) in enumerate(data.signers):
        codes.append(phone_codes.code_check(phone=phone, code=code, field=f"members.{i}.code"))
        signers[id_number] = mask_phone(phone_codes.normalise(phone))
    assert village is not None
    actor = portal_actor(
        perms={Perm.HOUSEHOLD_EDIT, Perm.CASE_CREATE, Perm.CASE_PROCESS},
        area_code=village.code,
        purpose="online_application",
    )
    with transaction.atomic():
        phone_codes.use(codes)
        case = online.submit(
            by=actor,
            data=online.OnlineApplication(
                area_code=village.code,
                address=data.address,
                phone=data.phone,
                members=data.members,
                assistance_type=data.assistance_type,
                reason=data.reason,
                requested_amount=data.requested_amount,
                consent_verification=True,
                consent_commitment=True,
                signers=signers,
                incomes=data.incomes,
                assets=data.assets,
                uploads=data.items,
            ),
        )
    online.receive_uploads(
        by=portal_actor(perms={Perm.CASE_PROCESS}, area_code=case.area_code, purpose="upload"),
        case=case,
        uploads=data.items,
    )
    for upload in data.uploads:
        attachment_store(
            by=portal_actor(perms={Perm.CASE_CREATE}, area_code=case.area_code, purpose="upload"),
            upload=upload,
            kind=AttachmentKind.SCAN,
            area_code=case.area_code,
            owner=case,
            note="群众网上申请时上传",
            perm=Perm.CASE_CREATE,
        )
    return case


# --- status query ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """What a matching number + ID number unlocks, kept in the session until `until`."""

    case_id: int
    member_id: int
    until: str  # ISO timestamp

    def as_session(self) -> dict:
        return {"case_id": self.case_id, "member_id": self.member_id, "until": self.until}


NOT_MATCHED = "未查询到相符的申请，请核对申请编号和身份证号后重试"
_DUMMY_INDEX = "0" * 64


def _id_indexes(id_number: str) -> list[str]:
    """The blind indexes of what was typed (one per configured key set), computed the same way whatever it
    is (no early exit)."""
    return crypto.blind_indexes(idnumber.normalise(id_number)[:40], purpose=ID_PURPOSE)


def status_query(*, number: str, id_number: str, ip: str) -> Access:
    """The household follows its case: application number + the ID number of a household member. A wrong
    pair gets one message whatever was wrong, and the comparison runs over the blind indexes in constant
    time. Limited per address (every query) and per application number (failed queries)."""
    number = "".join((number or "").split())[:20]
    _limit("portal_query", f"ip:{ip or 'unknown'}")
    by_number = ratelimit.rate_of("portal_query_number")
    if ratelimit.peek(f"portal_query_number:{number}", by_number) >= by_number.limit:
        raise TooManyRequests(ratelimit.seconds_left(by_number))
    wanted = _id_indexes(id_number or "")
    case = Case.objects.filter(number=number).first() if number else None
    rows = list(
        Member.objects.filter(household_id=case.household_id if case else 0, is_active=True).values_list(
            "pk", "id_index"
        )
    ) or [(0, _DUMMY_INDEX)]
    matched = 0
    for pk, index in rows:
        for candidate in wanted:
            if hmac.compare_digest(index, candidate):
                matched = pk
    if case is None or not matched:
        ratelimit.hit(f"portal_query_number:{number}", by_number)
        raise ValidationFailed(NOT_MATCHED, code="not_matched")
    with transaction.atomic():
        audit.record(
            actor=portal_actor(perms=set(), area_code=case.area_code, purpose="status_query"),
            action="portal.status_query",
            obj=case,
            after={"member": Member.objects.get(pk=matched).id_masked},
        )
    until = clock.now() + timedelta(minutes=ACCESS_MINUTES)
    return Access(case.pk, matched, until.isoformat())


def document_open(*, access: Access, document: IssuedDocument):
    """The household reads one of its notices; the reading is audited like a staff download."""
    with transaction.atomic():
        audit.record(
            actor=portal_actor(perms=set(), area_code=document.area_code, purpose="document_open"),
            action="portal.document_open",
            obj=document,
            after={"case": access.case_id},
        )
    return document.pdf.open("rb")


# --- objection during the public notice (P2, P3) -----------------------------------------------------------


def objection_submit(*, access: Access, content: str, contact: str = "") -> Objection:
    """P3: a member of the household objects while its notice runs. Registered on the case exactly as the
    township would register it, by the portal actor, dated today."""
    case = Case.objects.get(pk=access.case_id)
    member = Member.objects.filter(
        pk=access.member_id, household_id=case.household_id, is_active=True
    ).first()
    if member is None:
        raise Forbidden("只有申请家庭的成员可以对本申请提出异议")
    if case.status != State.NOTICE:
        raise ValidationFailed("本申请目前不在公示期，不能在网上提出异议")
    content = (content or "").strip()
    if not 5 <= len(content) <= 2000:
        raise ValidationFailed("请填写异议内容（5–2000 字）", field_errors={"content": "5–2000 字"})
    return steps.register_objection(
        by=portal_actor(perms={Perm.CASE_PROCESS}, area_code=case.area_code, purpose="objection"),
        case=case,
        received_on=clock.today(),
        content=content,
        raised_by=f"{member.name}（本户成员，网上提出）"[:60],
        contact=(contact or "").strip()[:60],
    )


# --- complaints and reports (S8) ------------------------------------------------------------------------


def _complaint_number() -> str:
    return f"TS{clock.today():%Y%m%d}{secrets.randbelow(10**6):06d}"


def complaint_submit(
    *,
    kind: str,
    area_code: str,
    content: str,
    name: str = "",
    phone: str = "",
    case_number: str = "",
    ip: str,
) -> Complaint:
    """S8: a complaint or report from the portal, anonymous if the person wishes. Kept here and handed to
    supervision after it commits (`hand_over_to_supervision`)."""
    _limit("portal_complaint", f"ip:{ip or 'unknown'}")
    problems: dict[str, str] = {}
    if kind not in ComplaintKind.values:
        problems["kind"] = "请选择类别"
    area = Jurisdiction.objects.filter(code=area_code, level=Level.TOWNSHIP).first()
    if area is None:  # supervision handles complaints per township (S8)
        problems["area_code"] = "请选择涉及的乡镇（街道）"
    content = (content or "").strip()
    if not 5 <= len(content) <= 4000:
        problems["content"] = "请填写具体内容（5–4000 字）"
    if problems:
        raise ValidationFailed("投诉举报信息不完整，请按提示补充", field_errors=problems)
    for _ in range(5):
        try:
            with transaction.atomic():
                complaint = Complaint.objects.create(
                    number=_complaint_number(),
                    kind=kind,
                    area_code=area_code,
                    case_number="".join((case_number or "").split())[:20],
                    content=content,
                    name=(name or "").strip()[:60],
                    phone=(phone or "").strip()[:20],
                    received_at=clock.now(),
                )
                audit.record(
                    actor=portal_actor(perms=set(), area_code=area_code, purpose="complaint"),
                    action="portal.complaint",
                    obj=complaint,
                    after={
                        "kind": kind,
                        "case_number": complaint.case_number,
                        "anonymous": not complaint.name,
                    },
                )
                transaction.on_commit(partial(hand_over_to_supervision, complaint.pk))
            return complaint
        except IntegrityError:  # the random number was taken: draw another
            continue
    raise ValidationFailed("系统繁忙，请稍后重试")


def hand_over_to_supervision(complaint_id: int) -> None:
    """S8: hand a portal complaint to the supervision app's intake (online channel), in one transaction
    with the portal record's new status. Runs after the citizen's submission has committed; if supervision
    refuses it, the complaint stays "received" on the staff list (/portal/staff/complaints/) and the
    reason is logged, so the citizen's submission never fails because of the hand-over."""

    try:
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
            if complaint.status != ComplaintStatus.RECEIVED:
                return
            case = (
                Case.objects.filter(number=complaint.case_number).first() if complaint.case_number else None
            )
            if case is not None and not case.area_code.startswith(complaint.area_code[:9]):
                case = None  # the number names a case elsewhere: keep it in the text only
            note = f"（申请编号 {complaint.case_number}）" if complaint.case_number and case is None else ""
            received = supervision_intake(
                by=None,
                channel=ComplaintChannel.ONLINE,
                content=f"【{complaint.get_kind_display()}】{complaint.content}{note}",
                area_code=complaint.area_code,
                complainant=complaint.name,
                contact=complaint.phone,
                anonymous=not complaint.phone,
                case=case,
            )
            complaint.status, complaint.supervision_ref = ComplaintStatus.HANDED_OVER, received.number
            complaint.handed_over_at = clock.now()
            complaint.save(update_fields=["status", "supervision_ref", "handed_over_at"])
    except DomainError as exc:
        log.warning("portal complaint %s not handed over: %s", complaint_id, exc.message)
