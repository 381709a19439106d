"""API: issued documents (list, detail, PDF), attachments, and the public verification."""

from datetime import date, datetime
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpRequest
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from jiuzhu.api.schemas import Id, PageNumber, responses
from jiuzhu.core.errors import NotFound, ValidationFailed
from jiuzhu.core.filetypes import download_name
from jiuzhu.documents import kinds, rendering, selectors, services
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.orgs.http import AuthenticatedHttpRequest

router = Router(tags=["文书档案"])


class DocumentOut(Schema):
    id: int
    uuid: str
    kind: str
    kind_name: str
    number: str
    title: str
    authority: str
    handling_unit: str
    area_code: str
    issued_at: datetime
    issued_by: str
    template_version: int
    content_sha256: str
    pdf_sha256: str
    pdf_size: int
    verify_url: str
    revoked: bool
    revoked_at: datetime | None
    revoke_reason: str


def _out(document: IssuedDocument) -> dict:
    return {
        "id": document.pk,
        "uuid": str(document.uuid),
        "kind": document.kind,
        "kind_name": document.kind_name,
        "number": document.number,
        "title": document.title,
        "authority": document.authority_name,
        "handling_unit": document.handling_unit_name,
        "area_code": document.area_code,
        "issued_at": document.issued_at,
        "issued_by": document.issued_by.get_full_name(),
        "template_version": document.template_version,
        "content_sha256": document.content_sha256,
        "pdf_sha256": document.pdf_sha256,
        "pdf_size": document.pdf_size,
        "verify_url": rendering.verify_url(str(document.uuid), document.content_sha256),
        "revoked": document.revoked,
        "revoked_at": document.revoked_at,
        "revoke_reason": document.revoke_reason,
    }


class DocumentFilter(Schema):
    kind: str | None = Field(None, max_length=40, description="文书种类代码")
    number: str | None = Field(None, max_length=60, description="文号包含")
    issued_from: date | None = Field(None, description="出具日期起")
    issued_to: date | None = Field(None, description="出具日期止")
    revoked: bool | None = None


class VerifyOut(Schema):
    status: str = Field(..., description="genuine 真实有效；mismatch、tampered、revoked、missing、unchecked")
    genuine: bool
    verdict: str
    kind_name: str | None = None
    number: str | None = None
    authority: str | None = None
    handling_unit: str | None = None
    issued_on: date | None = None
    revoked: bool | None = None


class VerifyQuery(Schema):
    h: str = Field("", max_length=64, description="核验码（二维码地址中的 h，内容哈希前 16 位）")


class PdfCheckOut(Schema):
    matches: bool = Field(..., description="上传文件与存档 PDF 逐字节一致")
    verdict: str


def _verify_out(result: selectors.Verification) -> dict:
    document = result.document
    facts: dict = {}
    if document is not None:
        facts = {
            "kind_name": kinds.name_of(document.kind),
            "number": document.number,
            "authority": document.authority_name,
            "handling_unit": document.handling_unit_name,
            "issued_on": document.content.get("issued_at", "")[:10] or None,
            "revoked": document.revoked,
        }
    return {"status": result.status, "genuine": result.genuine, "verdict": result.verdict, **facts}


# Verification routes come first: "/documents/verify/…" must not be taken for a document id.
@router.get(
    "/documents/verify/{doc_uuid}",
    auth=None,
    response=responses(VerifyOut, read_only=True),
    summary="文书真伪核验（免登录，只返回文书上印有的信息）",
)
def verify(request: HttpRequest, doc_uuid: str, q: Query[VerifyQuery]):
    return _verify_out(selectors.verify(doc_uuid, q.h))


@router.post(
    "/documents/verify/{doc_uuid}/pdf",
    auth=None,
    response=responses(PdfCheckOut, read_only=True),
    summary="上传 PDF 与存档比对（免登录）",
)
def verify_pdf(request: HttpRequest, doc_uuid: str, file: File[UploadedFile]):
    result = selectors.verify(doc_uuid, None)
    if result.document is None:
        raise NotFound("未查询到该文书")
    if (file.size or 0) > settings.UPLOAD_MAX_BYTES:
        raise ValidationFailed("文件过大，无法比对", field_errors={"file": "文件过大"})
    matches = selectors.pdf_matches(result.document, file.read())
    return {"matches": matches, "verdict": "与存档一致" if matches else "与存档不一致"}


@router.get("/documents", response=responses(list[DocumentOut], read_only=True), summary="已出具文书")
@paginate(PageNumber)
def document_list(request: AuthenticatedHttpRequest, filters: Query[DocumentFilter]):
    qs = selectors.documents_visible_to(request.user).order_by("-issued_at", "-id")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.number:
        qs = qs.filter(number__contains=filters.number)
    if filters.issued_from:
        qs = qs.filter(issued_at__date__gte=filters.issued_from)
    if filters.issued_to:
        qs = qs.filter(issued_at__date__lte=filters.issued_to)
    if filters.revoked is not None:
        qs = qs.filter(revoked=filters.revoked)
    return [_out(d) for d in qs]


@router.get("/documents/{document_id}", response=responses(DocumentOut, read_only=True), summary="一件文书")
def document_detail(request: AuthenticatedHttpRequest, document_id: Id):
    return _out(selectors.get_document(request.user, document_id))


@router.get(
    "/documents/{document_id}/pdf",
    response=responses(None, read_only=True),
    summary="下载文书 PDF（记入审计日志）",
    openapi_extra={"responses": {200: {"description": "PDF", "content": {"application/pdf": {}}}}},
)
def document_pdf(request: AuthenticatedHttpRequest, document_id: Id):
    document = selectors.get_document(request.user, document_id)
    response = FileResponse(
        services.document_open(by=request.user, document=document), content_type="application/pdf"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(document.number + '.pdf')}"
    return response


@router.get(
    "/attachments/{attachment_id}",
    response=responses(None, read_only=True),
    summary="下载附件（记入审计日志）",
    openapi_extra={"responses": {200: {"description": "文件", "content": {"application/octet-stream": {}}}}},
)
def attachment_download(request: AuthenticatedHttpRequest, attachment_id: Id):
    attachment = selectors.get_attachment(request.user, attachment_id)
    response = FileResponse(
        services.attachment_open(by=request.user, attachment=attachment), content_type=attachment.content_type
    )
    name = download_name(attachment.original_name, attachment.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
