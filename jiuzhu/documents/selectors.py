"""Reads of attachments, issued documents and templates, each scoped to the user (convention 5).

The public verification read (`verify`) is the one exception: it takes no user and returns only facts
that are printed on the document anyway.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from jiuzhu.core.errors import NotFound
from jiuzhu.documents import kinds, rendering
from jiuzhu.documents.models import Attachment, DocumentNumber, DocumentTemplate, IssuedDocument
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import DelegationGrant, Jurisdiction
from jiuzhu.orgs.roles import Perm
from jiuzhu.orgs.selectors import counties_visible_to

# --- attachments ---------------------------------------------------------------------------------------


def attachments_visible_to(user) -> QuerySet[Attachment]:
    authz.require(user, Perm.VIEW)
    return Attachment.objects.filter(authz.scope_q(user, "area_code")).select_related("uploaded_by")


def get_attachment(user, pk: int) -> Attachment:
    try:
        return attachments_visible_to(user).get(pk=pk)
    except Attachment.DoesNotExist:
        raise NotFound() from None


def attachments_of(user, owner: Model) -> QuerySet[Attachment]:
    """The files of one owner (AR1); the caller fetched `owner` through its own scoped selector."""
    return attachments_visible_to(user).filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=str(owner.pk)
    )


# --- issued documents ----------------------------------------------------------------------------------


def documents_visible_to(user) -> QuerySet[IssuedDocument]:
    authz.require(user, Perm.VIEW)
    return IssuedDocument.objects.filter(authz.scope_q(user, "area_code")).select_related(
        "issued_by", "issuing_org", "handling_org"
    )


def register_visible_to(user) -> QuerySet[DocumentNumber]:
    """The 文号 register (发文登记) within the user's jurisdiction: every number given, issued or void."""
    authz.require(user, Perm.VIEW)
    return DocumentNumber.objects.filter(authz.scope_q(user, "area_code")).select_related(
        "organisation", "reserved_by", "document"
    )


def get_document(user, pk: int) -> IssuedDocument:
    try:
        return documents_visible_to(user).get(pk=pk)
    except IssuedDocument.DoesNotExist:
        raise NotFound() from None


def documents_of(user, subjects: Sequence[Model]) -> QuerySet[IssuedDocument]:
    """Documents whose subject is one of `subjects` (all of one model)."""
    if not subjects:
        return IssuedDocument.objects.none()
    return documents_visible_to(user).filter(
        subject_type=ContentType.objects.get_for_model(subjects[0]),
        subject_id__in=[str(s.pk) for s in subjects],
    )


def delegation_letters_for_grant(user, grant: DelegationGrant) -> list[IssuedDocument]:
    """Letters issued for any grant of the same letter (one letter covers several categories, D5)."""
    if not authz.in_scope(user, grant.township_id):
        return []
    group = list(DelegationGrant.objects.filter(township_id=grant.township_id, letter_no=grant.letter_no))
    return list(documents_of(user, group).filter(kind="delegation_letter"))


# --- templates -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateChoice:
    """The template a county uses for a kind: its newest version, or the shipped default file."""

    html: str
    version: int  # 0: the shipped default file, never saved for this county
    row: DocumentTemplate | None

    @property
    def label(self) -> str:
        if self.row is None:
            return "系统默认"
        return f"第 {self.version} 版" + ("（系统默认）" if self.row.is_default else "")


def current_template(kind: str, county_code: str) -> TemplateChoice:
    """Internal: used by the services that render (their caller was authorised already)."""
    row = DocumentTemplate.objects.filter(kind=kind, county_code=county_code).order_by("-version").first()
    if row is not None:
        return TemplateChoice(row.html, row.version, row)
    return TemplateChoice(kinds.get(kind).default_html(), 0, None)


def template_county(user, code: str | None) -> Jurisdiction:
    """The county whose templates the user edits: asked for, or their own. 404 outside the scope, 403
    without the permission."""

    authz.require(user, Perm.TEMPLATE_EDIT)
    counties = list(counties_visible_to(user).order_by("code"))
    if code:
        county = next((c for c in counties if c.code == code), None)
        if county is None:
            raise NotFound()
    elif counties:
        county = counties[0]
    else:
        raise NotFound("您的账号没有所属县（区）")
    authz.require(user, Perm.TEMPLATE_EDIT, county.code)
    return county


@dataclass(frozen=True)
class TemplateRow:
    kind: kinds.DocKind
    current: TemplateChoice
    versions: int


def template_table(user, county: Jurisdiction) -> list[TemplateRow]:
    authz.require(user, Perm.TEMPLATE_EDIT, county.code)
    rows = []
    for kind in kinds.editable():
        versions = DocumentTemplate.objects.filter(kind=kind.code, county_code=county.code).count()
        rows.append(TemplateRow(kind, current_template(kind.code, county.code), versions))
    return rows


def template_history(user, kind: str, county: Jurisdiction) -> QuerySet[DocumentTemplate]:
    authz.require(user, Perm.TEMPLATE_EDIT, county.code)
    return DocumentTemplate.objects.filter(kind=kind, county_code=county.code).select_related("created_by")


def get_template_version(user, kind: str, county: Jurisdiction, version: int) -> DocumentTemplate:
    try:
        return template_history(user, kind, county).get(version=version)
    except DocumentTemplate.DoesNotExist:
        raise NotFound() from None


# --- public verification --------------------------------------------------------------------------------

GENUINE = "genuine"
MISMATCH = "mismatch"
REVOKED = "revoked"
TAMPERED = "tampered"
MISSING = "missing"
UNCHECKED = "unchecked"

VERDICTS = {
    GENUINE: "真实有效",
    MISMATCH: "核验未通过：核验码与存档不符，文书可能是伪造或被篡改的",
    REVOKED: "该文书已作废",
    TAMPERED: "核验未通过：存档记录校验失败，请向发文机关核实",
    MISSING: "未查询到该文书，不是本系统出具的文书",
    UNCHECKED: "请输入文书二维码下方的核验码",
}


@dataclass(frozen=True)
class Verification:
    status: str
    document: IssuedDocument | None

    @property
    def genuine(self) -> bool:
        return self.status == GENUINE

    @property
    def verdict(self) -> str:
        return VERDICTS[self.status]


def verify(doc_uuid: str, code: str | None) -> Verification:
    """Is the document with this address genuine? The code (first 16 hex digits of the content hash,
    printed under the QR code) must match the archive, and the archived content must still hash to the
    stored value (a changed database row is caught)."""
    try:
        key = uuid.UUID(str(doc_uuid))
    except ValueError:
        return Verification(MISSING, None)
    document = IssuedDocument.objects.select_related("issuing_org", "handling_org").filter(uuid=key).first()
    if document is None:
        return Verification(MISSING, None)
    if rendering.content_hash(document.content) != document.content_sha256:
        return Verification(TAMPERED, document)
    code = (code or "").strip().lower().replace(" ", "")
    if not code:
        return Verification(UNCHECKED, document)
    if code != document.content_sha256[:16]:
        return Verification(MISMATCH, document)
    if document.revoked:
        return Verification(REVOKED, document)
    return Verification(GENUINE, document)


def pdf_matches(document: IssuedDocument, data: bytes) -> bool:
    """Is this file byte for byte the archived PDF?"""
    return rendering.sha256_bytes(data) == document.pdf_sha256
