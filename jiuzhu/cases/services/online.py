"""Online application (A3, 最多跑一次): the household's own data, the application and its consents in one
submission. Used by integrations through the API and by the citizen portal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from jiuzhu.cases.materials import requirements_for, signers
from jiuzhu.cases.models import Case, Channel, SignatureKind
from jiuzhu.cases.services import intake
from jiuzhu.cases.transitions import EDITS
from jiuzhu.core import clock, idnumber
from jiuzhu.core.errors import Forbidden, NotFound, ValidationFailed
from jiuzhu.core.filetypes import AttachmentKind, check_upload
from jiuzhu.documents.services import attachment_store
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.registry.identity import id_index_of, id_indexes_of
from jiuzhu.registry.models import Household, Member, Relation
from jiuzhu.registry.services.households import household_create
from jiuzhu.registry.services.income_assets import asset_add, income_add
from jiuzhu.registry.services.member_input import MemberInput

# Items of the checklist the online form itself is: the application form (members, income, property,
# reason) and the statement of hardship (the reason). Received with the submission, never asked on paper.
FORM_ITEMS = ("application_form", "hardship_statement")
CHANNEL_LABEL = "网上申请（群众服务）"


@dataclass
class OnlineIncome:
    category: str
    description: str
    monthly_amount: object
    member_id_number: str = ""  # whose income; '' for the whole household


@dataclass
class OnlineAsset:
    kind: str
    description: str
    value: object = None
    quantity: object = None
    unit: str = ""
    member_id_number: str = ""


@dataclass
class OnlineApplication:
    area_code: str
    address: str
    phone: str
    members: list[MemberInput]
    assistance_type: str
    reason: str
    requested_amount: object = None
    hukou_area_code: str = ""
    consent_verification: bool = False
    consent_commitment: bool = False
    applied_on: date | None = None
    extra: dict = field(default_factory=dict)
    incomes: list[OnlineIncome] = field(default_factory=list)
    assets: list[OnlineAsset] = field(default_factory=list)
    # ID number → the phone that member verified by a one-time code (masked). Every adult member signs the
    # authorisation and the commitment online with it; without it only the head signs (API integrations).
    signers: dict[str, str] = field(default_factory=dict)
    # Requirement code → scans of that checklist item, received with the application.
    uploads: dict[str, list[UploadedFile]] = field(default_factory=dict)


@transaction.atomic
def submit(*, by: User, data: OnlineApplication) -> Case:
    """Register (or find) the household by its head's ID number with the income and property it declares,
    open the application on the online channel, record every adult member's online consents (time, channel,
    verified phone) and receive the checklist items given online. Nothing given online is asked on paper (A3)."""
    if not (data.consent_verification and data.consent_commitment):
        raise ValidationFailed(
            "须同意家庭经济状况核对授权并签署承诺书，方可提交网上申请", field_errors={"consent": "必须同意"}
        )
    heads = [m for m in data.members if m.relation == Relation.HEAD]
    if len(heads) != 1:
        raise ValidationFailed("须填写且只填写一名户主", field_errors={"members": "户主"})
    head_number = idnumber.parse(heads[0].id_number).number
    existing = (
        Member.objects.filter(
            id_index__in=id_indexes_of(head_number),
            relation=Relation.HEAD,
            is_active=True,
            household__is_active=True,
            household__area_code=data.area_code,
        )
        .select_related("household")
        .first()
    )
    household: Household
    if existing is not None:
        household = existing.household
    else:
        household = household_create(
            by=by,
            area_code=data.area_code,
            address=data.address,
            members=data.members,
            phone=data.phone,
            hukou_area_code=data.hukou_area_code,
        )
    applicant = household.members.get(id_index__in=id_indexes_of(head_number))
    case = intake.case_create(
        by=by,
        household=household,
        channel=Channel.ONLINE,
        data=intake.CaseInput(
            assistance_type=data.assistance_type,
            applicant=applicant,
            applied_on=data.applied_on or clock.today(),
            reason=data.reason,
            requested_amount=data.requested_amount,
        ),
    )
    if existing is None:
        _declare(by, household, data)
    for member, phone in _signers(case, applicant, data):
        for kind in (SignatureKind.AUTHORISATION, SignatureKind.COMMITMENT):
            intake.signature_record(
                by=by,
                case=case,
                member=member,
                kind=kind,
                signed_on=case.applied_on,
                online=True,
                channel=CHANNEL_LABEL,
                phone_masked=phone,
            )
    _receive(by, case, data)
    return case


def _by_id_number(household: Household) -> dict[str, Member]:
    return {m.id_index: m for m in household.members.filter(is_active=True)}


def _member_of(household_members: dict[str, Member], id_number: str) -> Member | None:
    if not id_number:
        return None
    return household_members.get(id_index_of(idnumber.parse(id_number).number))


def _declare(by: User, household: Household, data: OnlineApplication) -> None:
    """Income by category and property as the application form declares them (a new household only: a
    registered household's records are the township's, and the investigation checks them)."""
    members = _by_id_number(household)
    for i, inc in enumerate(data.incomes):
        try:
            income_add(
                by=by,
                household=household,
                category=inc.category,
                description=inc.description,
                monthly_amount=inc.monthly_amount,
                member=_member_of(members, inc.member_id_number),
            )
        except ValidationFailed as exc:
            raise ValidationFailed(
                f"第 {i + 1} 项收入：{exc.message}", field_errors={f"incomes.{i}": exc.message}
            ) from None
    for i, asset in enumerate(data.assets):
        try:
            asset_add(
                by=by,
                household=household,
                kind=asset.kind,
                description=asset.description,
                value=asset.value,
                quantity=asset.quantity,
                unit=asset.unit,
                member=_member_of(members, asset.member_id_number),
            )
        except ValidationFailed as exc:
            raise ValidationFailed(
                f"第 {i + 1} 项财产：{exc.message}", field_errors={f"assets.{i}": exc.message}
            ) from None


def _signers(case: Case, applicant: Member, data: OnlineApplication) -> list[tuple[Member, str]]:
    """Who signs online: every adult member with a verified phone; all adults must when signers are given."""
    if not data.signers:
        return [(applicant, "")]
    phones = {id_index_of(idnumber.parse(n).number): p for n, p in data.signers.items()}
    adults = signers(case)
    missing = [m.name for m in adults if m.id_index not in phones]
    if missing:
        raise ValidationFailed(
            f"每位成年家庭成员都须在网上确认授权和承诺（验证手机号）：{'、'.join(missing)}尚未确认",
            field_errors={"signers": "、".join(missing)},
        )
    return [(m, phones[m.id_index]) for m in adults]


def _receive(by: User, case: Case, data: OnlineApplication) -> None:
    """The form's own items are received with the application (A3: nothing given online is demanded again
    on paper); uploads for checklist items must name an item of this type's checklist."""
    by_code = {r.code: r for r in requirements_for(case.assistance_type, case.county_code)}
    # Recording materials is intake work: a submitter without it (a village assistant through the API)
    # leaves them to the township, as before.
    try:  # require(), not can(): only require() honours the portal's grant (D-101)
        authz.require(by, EDITS["intake_records"].perm, case.area_code)
        can_receive = True
    except (Forbidden, NotFound):
        can_receive = False
    for code in FORM_ITEMS if can_receive else ():
        if code in by_code and not by_code[code].shared:
            intake.material_receive(
                by=by, case=case, requirement=by_code[code], received_on=case.applied_on, note="网上申请填报"
            )
    for code in data.uploads:
        requirement = by_code.get(code)
        if requirement is None or requirement.shared or requirement.per_member or code in FORM_ITEMS:
            raise ValidationFailed(
                "所传材料不在本类救助的材料清单中", field_errors={f"uploads.{code}": "不在材料清单中"}
            )


def receive_uploads(*, by: User, case: Case, uploads: dict[str, list[UploadedFile]]) -> None:
    """After the application commits: each uploaded checklist item is received with its scans (files are
    checked first and stored only once their record is written, never inside the application's
    transaction)."""
    by_code = {r.code: r for r in requirements_for(case.assistance_type, case.county_code)}
    for code, files in uploads.items():
        if not files:
            continue
        material = intake.material_receive(
            by=by,
            case=case,
            requirement=by_code[code],
            received_on=case.applied_on,
            note="群众网上申请时上传",
            scan=files[0],
        )
        for upload in files[1:]:
            check_upload(upload=upload, kind=AttachmentKind.SCAN)
            attachment_store(
                by=by,
                upload=upload,
                kind=AttachmentKind.SCAN,
                area_code=case.area_code,
                owner=material,
                note=by_code[code].name,
            )
