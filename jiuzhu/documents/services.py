"""Business actions on attachments, document numbers, templates and issued documents.

Each runs in a transaction and writes an audit event. Files are written through Django's storage API;
a file written for a transaction that then fails is removed again, so a refusal leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction

from jiuzhu.core import audit, clock
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.filetypes import check_upload
from jiuzhu.core.jurisdiction_codes import county_code as county_of
from jiuzhu.documents import compose, kinds, numbering, register, rendering
from jiuzhu.documents.models import (
    Attachment,
    DocumentNumber,
    DocumentNumberPrefix,
    DocumentTemplate,
    IssuedDocument,
    NumberStatus,
)
from jiuzhu.documents.selectors import TemplateChoice, current_template
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import DelegationGrant, Jurisdiction, Organisation, User
from jiuzhu.orgs.roles import Perm

TEMPLATE_MAX_CHARS = 200_000


@contextmanager
def _stored_until_commit(names: list[str]) -> Iterator[None]:
    """Files saved inside the block are deleted again unless the block completes."""
    completed = False
    try:
        yield
        completed = True
    finally:
        if not completed:
            for name in names:
                default_storage.delete(name)


# --- attachments ---------------------------------------------------------------------------------------


def _digest(upload: File) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def attachment_store(
    *,
    by: User,
    upload: File,
    kind: str,
    area_code: str,
    owner: models.Model | None = None,
    note: str = "",
    perm: str = Perm.CASE_PROCESS,
) -> Attachment:
    """AR1: keep a scan, photo or video. The type is judged by content (`filetype`), the size against
    `UPLOAD_MAX_BYTES` / `UPLOAD_VIDEO_MAX_BYTES`; a refused file leaves no row, no file, no event.

    `perm` is the permission of the business the file belongs to (the caller's, e.g. case processing)."""
    membership = authz.require(by, perm, area_code)
    file_type = check_upload(upload=upload, kind=kind)
    sha256 = _digest(upload)
    now = clock.now()
    original = (upload.name or "").rsplit("/", 1)[-1][:255] or f"附件{file_type.extension}"
    # The stored name is ours: no user-chosen path or name reaches the storage backend.
    path = f"attachments/{area_code[:6]}/{now:%Y/%m}/{uuid.uuid4().hex}{file_type.extension}"
    stored = [default_storage.save(path, upload)]  # before the transaction: slow I/O stays outside it
    with _stored_until_commit(stored), transaction.atomic():
        attachment = Attachment(
            original_name=original,
            content_type=file_type.mime,
            size=upload.size or 0,
            sha256=sha256,
            kind=kind,
            note=(note or "").strip()[:200],
            area_code=area_code,
            uploaded_by=by,
            uploaded_at=now,
        )
        attachment.file.name = stored[0]
        if owner is not None:
            attachment.owner_type = ContentType.objects.get_for_model(owner)
            attachment.owner_id = str(owner.pk)
        attachment.save()
        audit.record(
            actor=by,
            membership=membership,
            action="attachment.store",
            obj=attachment,
            after={
                "name": original,
                "content_type": file_type.mime,
                "size": attachment.size,
                "sha256": sha256,
                "kind": kind,
                "owner": f"{attachment.owner_type_id}:{attachment.owner_id}" if owner is not None else "",
            },
        )
    return attachment


def attachment_open(*, by: User, attachment: Attachment) -> File:
    """Open a file for reading; every read is an audit event (personal data, A6)."""
    membership = authz.require(by, Perm.VIEW, attachment.area_code)
    with transaction.atomic():
        audit.record(actor=by, membership=membership, action="attachment.view", obj=attachment)
    return attachment.file.open("rb")


# --- document numbers ----------------------------------------------------------------------------------


prefix_for = register.prefix_for


@transaction.atomic
def number_prefix_set(*, by: User, org: Organisation, prefix: str) -> DocumentNumberPrefix:
    membership = authz.require(by, Perm.TEMPLATE_EDIT, org.jurisdiction_id)
    prefix = (prefix or "").strip()
    if not numbering.PREFIX_PATTERN.match(prefix):
        raise ValidationFailed(
            "文号字头应为 1 至 20 个汉字、字母或数字，如“尖民救”", field_errors={"prefix": "格式不正确"}
        )
    before = prefix_for(org)
    row, _ = DocumentNumberPrefix.objects.update_or_create(
        organisation=org, defaults={"prefix": prefix, "updated_by": by, "updated_at": clock.now()}
    )
    audit.record(
        actor=by,
        membership=membership,
        action="numbering.prefix_set",
        obj=org,
        before={"prefix": before},
        after={"prefix": prefix},
    )
    return row


# --- templates -----------------------------------------------------------------------------------------


def _editable_kind(kind: str) -> kinds.DocKind:
    found = kinds.get(kind)
    if not found.has_default:
        raise ValidationFailed(f"“{found.name}”的模板将随相关业务功能提供，暂不能编辑")
    return found


def _new_version(*, by: User, kind: str, county: Jurisdiction, html: str, note: str, is_default: bool):
    Jurisdiction.objects.select_for_update().get(pk=county.pk)  # serialise versions of one county
    last = (
        DocumentTemplate.objects.filter(kind=kind, county_code=county.code)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return DocumentTemplate.objects.create(
        kind=kind,
        county_code=county.code,
        version=(last or 0) + 1,
        html=html,
        is_default=is_default,
        note=note[:200],
        created_by=by,
        created_at=clock.now(),
    )


def template_save(
    *, by: User, kind: str, county: Jurisdiction, html: str, note: str = ""
) -> DocumentTemplate:
    """A new version of a county's template. A template that does not render with the sample content,
    or that drops the QR code, is refused with the error and not saved."""
    membership = authz.require(by, Perm.TEMPLATE_EDIT, county.code)
    doc_kind = _editable_kind(kind)
    html = (html or "").replace("\r\n", "\n")
    if not html.strip():
        raise ValidationFailed("模板内容不能为空", field_errors={"html": "必填"})
    if len(html) > TEMPLATE_MAX_CHARS:
        raise ValidationFailed("模板内容过长", field_errors={"html": f"不超过 {TEMPLATE_MAX_CHARS} 个字符"})
    compose.render_sample(doc_kind, html, issued_on=clock.today())
    with transaction.atomic():
        current = current_template(kind, county.code)
        if current.html == html:
            raise ValidationFailed(
                "模板内容与当前使用的版本相同，无需保存", field_errors={"html": "没有修改"}
            )
        row = _new_version(by=by, kind=kind, county=county, html=html, note=note.strip(), is_default=False)
        audit.record(
            actor=by,
            membership=membership,
            action="template.save",
            obj=row,
            after={"kind": kind, "version": row.version, "note": row.note, "sha256": _sha(html)},
            reason=row.note,
        )
    return row


def template_restore_default(*, by: User, kind: str, county: Jurisdiction) -> DocumentTemplate:
    """Restore the shipped default as a new version: history is never deleted."""
    membership = authz.require(by, Perm.TEMPLATE_EDIT, county.code)
    doc_kind = _editable_kind(kind)
    html = doc_kind.default_html()
    with transaction.atomic():
        current = current_template(kind, county.code)
        if current.html == html:
            raise ValidationFailed("当前使用的已是系统默认模板")
        row = _new_version(
            by=by, kind=kind, county=county, html=html, note="恢复系统默认模板", is_default=True
        )
        audit.record(
            actor=by,
            membership=membership,
            action="template.restore_default",
            obj=row,
            after={"kind": kind, "version": row.version, "sha256": _sha(html)},
        )
    return row


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- issuing -------------------------------------------------------------------------------------------


def document_issue(
    *,
    by: User,
    kind: str,
    subject: models.Model | None,
    context: dict[str, Any],
    issuing_org: Organisation,
    handling_org: Organisation | None = None,
    area_code: str | None = None,
    title: str | None = None,
    number: str | None = None,
    on_record: Callable[[IssuedDocument], None] | None = None,
) -> IssuedDocument:
    """Issue an official document: number it, render the county's template to PDF with a QR code that
    carries the verification address, store the PDF and write an event.

    D1: `issuing_org` is the authority named on the document (the bureau for a delegated decision) and
    `handling_org` the township that handled it (see `compose.decision_parties`). The number comes from
    the handling unit's sequence (else the authority's), unless the document already has one (`number`,
    e.g. a delegation letter registered with its 文号).

    Three short steps, never one long transaction (see `register`): reserve the number and commit;
    render and store the PDF outside any transaction; write the document, its register row, the event and
    the caller's own link (`on_record`, inside that last transaction) together. If anything after the
    reservation fails, the PDF is deleted and the number is recorded as void with the reason. Must not be
    called inside a caller's transaction (refused), or the PDF would render while it holds its locks."""
    doc_kind = kinds.get(kind)
    if not doc_kind.has_default:
        raise ValidationFailed(f"“{doc_kind.name}”的模板将随相关业务功能提供，暂不能出具")
    area = area_code or getattr(subject, "area_code", "") or (handling_org or issuing_org).jurisdiction_id
    membership = authz.require(by, doc_kind.issue_perm, area)
    template = current_template(kind, county_of(area))
    numbering_org = handling_org or issuing_org
    title = (title or doc_kind.name).strip()
    now = clock.now()
    issued_on = clock.today()
    entry: DocumentNumber | None = None
    if number:
        number = number.strip()
        _refuse_taken(issuing_org, numbering_org, number, explicit=True)
    else:
        with transaction.atomic(durable=True):
            entry = register.reserve(
                by=by, org=numbering_org, year=issued_on.year, kind=kind, title=title, area_code=area
            )
            _refuse_taken(issuing_org, numbering_org, entry.number, explicit=False)  # rolls the serial back
        number = entry.number
    stored: list[str] = []
    try:
        document = _render_and_record(
            by=by,
            membership=membership,
            doc_kind=doc_kind,
            template=template,
            subject=subject,
            context=context,
            issuing_org=issuing_org,
            handling_org=handling_org,
            area=area,
            title=title,
            number=number,
            entry=entry,
            now=now,
            issued_on=issued_on,
            stored=stored,
            on_record=on_record,
        )
    except BaseException as exc:
        for name in stored:
            default_storage.delete(name)
        if entry is not None:
            register.void_quietly(entry=entry, by=by, membership=membership, reason=register.void_reason(exc))
        raise
    return document


def _refuse_taken(
    issuing_org: Organisation, numbering_org: Organisation, number: str, *, explicit: bool
) -> None:
    taken = IssuedDocument.objects.filter(issuing_org=issuing_org, number=number, revoked=False).first()
    if taken is None:
        return
    if explicit:
        raise ValidationFailed(
            f"文号“{number}”已用于{taken.title}（{taken.issued_at:%Y-%m-%d}出具），如需重新出具，请先作废原文书"
        )
    # Two handling units whose prefixes are the same number into one authority's name.
    raise ValidationFailed(
        f"文号“{number}”与{issuing_org.name}已出具的文书重复：请在“文书模板”页为{numbering_org.name}设置不同的文号字头"
    )


def _render_and_record(
    *,
    by: User,
    membership,
    doc_kind: kinds.DocKind,
    template: TemplateChoice,
    subject: models.Model | None,
    context: dict[str, Any],
    issuing_org: Organisation,
    handling_org: Organisation | None,
    area: str,
    title: str,
    number: str,
    entry: DocumentNumber | None,
    now,
    issued_on,
    stored: list[str],
    on_record: Callable[[IssuedDocument], None] | None,
) -> IssuedDocument:
    """Render and store the PDF (no transaction open), then record it in one short transaction."""
    kind = doc_kind.code
    doc_uuid = uuid.uuid4()
    subject_type = ContentType.objects.get_for_model(subject) if subject is not None else None
    subject_ref = [subject_type.natural_key(), str(subject.pk)] if subject_type and subject else None
    content = rendering.canonical(
        {
            "uuid": str(doc_uuid),
            "kind": kind,
            "number": number,
            "title": title,
            "authority": issuing_org.name,
            "handling_unit": handling_org.name if handling_org else "",
            "issuing_org": issuing_org.pk,
            "handling_org": handling_org.pk if handling_org else None,
            "area_code": area,
            "subject": subject_ref,
            "issued_at": now,
            "template_version": template.version,
            "context": context,
        }
    )
    content_sha256 = rendering.content_hash(content)
    url = rendering.verify_url(str(doc_uuid), content_sha256)
    facts = compose.doc_facts(
        kind=doc_kind,
        title=title,
        number=number,
        authority=issuing_org.name,
        handling_unit=handling_org.name if handling_org else "",
        issued_on=issued_on,
        url=url,
        verify_code=content_sha256[:16],
    )
    html = rendering.render_html(template.html, {**context, "doc": facts})
    pdf = rendering.render_pdf(html)
    stored.append(
        default_storage.save(f"documents/{area[:6]}/{issued_on:%Y}/{doc_uuid}.pdf", ContentFile(pdf))
    )
    document = IssuedDocument(
        uuid=doc_uuid,
        kind=kind,
        number=number,
        title=title,
        authority_name=issuing_org.name,
        handling_unit_name=handling_org.name if handling_org else "",
        issuing_org=issuing_org,
        handling_org=handling_org,
        area_code=area,
        subject_type=subject_type,
        subject_id=str(subject.pk) if subject is not None else "",
        pdf_size=len(pdf),
        content=content,
        content_sha256=content_sha256,
        pdf_sha256=rendering.sha256_bytes(pdf),
        template_version=template.version,
        issued_by=by,
        issued_at=now,
    )
    document.pdf.name = stored[0]
    with transaction.atomic():
        try:
            with transaction.atomic():
                document.save()
        except IntegrityError:
            # An explicit number used by someone else while this one rendered.
            _refuse_taken(issuing_org, handling_org or issuing_org, number, explicit=True)
            raise
        if entry is not None:
            recorded = DocumentNumber.objects.filter(pk=entry.pk, status=NumberStatus.RESERVED).update(
                status=NumberStatus.ISSUED, document=document
            )
            if not recorded:
                raise ValidationFailed(f"文号“{number}”已被登记为空号（出具时间过长），请重新出具")
        audit.record(
            actor=by,
            membership=membership,
            action="document.issue",
            obj=document,
            after={
                "kind": kind,
                "number": number,
                "authority": document.authority_name,
                "handling_unit": document.handling_unit_name,
                "content_sha256": content_sha256,
                "pdf_sha256": document.pdf_sha256,
                "template_version": template.version,
            },
        )
        if on_record is not None:
            on_record(document)
    return document


@transaction.atomic
def document_revoke(*, by: User, document: IssuedDocument, reason: str) -> IssuedDocument:
    """Revoke (作废): the verification page then says so; the number is free for a reissue."""
    membership = authz.require(by, kinds.get(document.kind).issue_perm, document.area_code)
    document = IssuedDocument.objects.select_for_update().get(pk=document.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写作废原因", field_errors={"reason": "必填"})
    if document.revoked:
        raise ValidationFailed(f"该文书已于{document.revoked_at:%Y-%m-%d}作废")
    document.revoked = True
    document.revoked_at = clock.now()
    document.revoked_by = by
    document.revoke_reason = reason
    document.save(update_fields=["revoked", "revoked_at", "revoked_by", "revoke_reason"])
    audit.record(actor=by, membership=membership, action="document.revoke", obj=document, reason=reason)
    return document


def document_open(*, by: User, document: IssuedDocument) -> File:
    """Open the archived PDF; every read is an audit event (documents carry personal data)."""
    membership = authz.require(by, Perm.VIEW, document.area_code)
    with transaction.atomic():
        audit.record(actor=by, membership=membership, action="document.view", obj=document)
    return document.pdf.open("rb")


def delegation_letter_issue(
    *,
    by: User,
    grant: DelegationGrant,
    legal_basis: list[str] | None = None,
    plan_name: str = "",
) -> IssuedDocument:
    """D5: print the delegation letter (委托书) of a grant — parties, start date, legal basis, scope (the
    categories of every grant sharing the letter's number), duties, liability, guidance, signature and
    seal places. The county government is the principal (委托单位) and the issuing authority; the letter
    keeps the number it was registered with."""
    authz.require(by, Perm.DELEGATION_MANAGE, grant.township_id)
    township = grant.township
    county = Jurisdiction.objects.get(code=county_of(township.code))
    basis = [line.strip() for line in (legal_basis or []) if line.strip()] or compose.default_legal_basis(
        township.code
    )
    context, government = compose.delegation_letter_context(
        grant,
        legal_basis=basis,
        plan_name=(plan_name or "").strip() or compose.default_plan_name(county),
    )
    return document_issue(
        by=by,
        kind="delegation_letter",
        subject=grant,
        context=context,
        issuing_org=government,
        area_code=township.code,
        number=grant.letter_no,
    )
