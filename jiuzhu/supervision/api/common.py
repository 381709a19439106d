"""What several supervision endpoints share: the area-code pattern, a note body, an issued document's links."""

from ninja import Field, Schema

from jiuzhu.documents import rendering

CODE = r"^\d{12}$"


class NoteIn(Schema):
    note: str = Field(..., min_length=1, max_length=4000)


class SupervisionDocumentOut(Schema):
    document_id: int
    number: str
    title: str
    pdf_url: str = Field(..., description="下载 PDF（需登录，记入审计日志）")
    verify_url: str = Field(..., description="公开核验地址（二维码上的地址）")


def issued(document) -> dict:
    return {
        "document_id": document.pk,
        "number": document.number,
        "title": document.title,
        "pdf_url": f"/api/v1/documents/{document.pk}/pdf",
        "verify_url": rendering.verify_url(str(document.uuid), document.content_sha256),
    }
