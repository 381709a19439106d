"""AR1 attachments: type judged by content, size limits from the settings, checksum, storage API, scoped
and logged reads."""

import hashlib

import pytest
from django.contrib.contenttypes.models import ContentType

from jiuzhu.core.errors import Forbidden, NotFound, ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.documents import services
from jiuzhu.documents.models import Attachment
from jiuzhu.orgs.models import DelegationGrant
from tests.documents.conftest import (
    image_bytes,
    mp4_bytes,
    pdf_bytes,
    stored_files,
    upload,
    zip_bytes,
)
from tests.helpers import ANBANG, ERMALU, client_for, user

pytestmark = pytest.mark.django_db


def store(name: str, data: bytes, kind: str = "scan", username: str = "ab_caseworker", **kw):
    return services.attachment_store(
        by=user(username), upload=upload(name, data), kind=kind, area_code=kw.pop("area_code", ANBANG), **kw
    )


@pytest.mark.parametrize(
    ("name", "data", "kind", "mime"),
    [
        ("户口本.pdf", pdf_bytes(), "scan", "application/pdf"),
        ("入户照片.JPG", image_bytes("JPEG"), "photo", "image/jpeg"),
        ("公示照片.png", image_bytes("PNG"), "photo", "image/png"),
        ("扫描", image_bytes("PNG"), "scan", "image/png"),  # no extension: the content decides
        ("入户视频.mp4", mp4_bytes(), "video", "video/mp4"),
    ],
)
def test_AR1_accepted_files_are_stored_with_type_size_and_checksum(media_root, name, data, kind, mime):
    events = AuditEvent.objects.count()
    attachment = store(name, data, kind)
    assert attachment.content_type == mime
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.original_name == name
    assert attachment.area_code == ANBANG
    assert name not in attachment.file.name  # the stored name is ours, never the user's
    with attachment.file.open("rb") as handle:
        assert handle.read() == data
    assert len(stored_files(media_root)) == 1
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == events + 1
    assert event.action == "attachment.store" and event.after["sha256"] == attachment.sha256


def _refused(media_root, name, data, kind="scan"):
    rows, events, files = Attachment.objects.count(), AuditEvent.objects.count(), stored_files(media_root)
    with pytest.raises(ValidationFailed) as exc:
        store(name, data, kind)
    assert Attachment.objects.count() == rows
    assert AuditEvent.objects.count() == events
    assert stored_files(media_root) == files
    return exc.value.message


def test_AR1_a_zip_named_pdf_is_refused_and_nothing_is_written(media_root):
    message = _refused(media_root, "低保申请材料.pdf", zip_bytes())
    assert message.startswith("文件类型不符：")
    assert "实际为ZIP 压缩包" in message
    assert "PDF" in message


def test_AR1_a_name_that_lies_about_an_accepted_type_is_refused(media_root):
    message = _refused(media_root, "身份证.pdf", image_bytes("JPEG"))
    assert message == "文件类型不符：“身份证.pdf”的扩展名为 .pdf，实际为JPEG 图片"


def test_AR1_the_kind_limits_the_types(media_root):
    assert "照片只接受 JPEG、PNG" in _refused(media_root, "x.pdf", pdf_bytes(), kind="photo")
    assert "视频只接受 MP4、MOV、WebM" in _refused(media_root, "x.png", image_bytes(), kind="video")


def test_AR1_text_and_empty_files_are_refused(media_root):
    assert "无法识别的格式" in _refused(media_root, "说明.pdf", "这是一段文字".encode())
    assert _refused(media_root, "空.pdf", b"") == "文件为空：“空.pdf”没有内容"


def test_AR1_size_limits_come_from_the_settings(media_root, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    settings.UPLOAD_VIDEO_MAX_BYTES = 2 * 1024 * 1024
    big_png = image_bytes("PNG") + b"\x00" * (1024 * 1024)
    message = _refused(media_root, "大图.png", big_png, kind="photo")
    assert message.startswith("文件过大：“大图.png”为 1.0 MB")
    assert "超过图片 1 MB 上限" in message
    # A video of the same size is within the video limit …
    assert store("走访.mp4", mp4_bytes(extra=1024 * 1024), "video").content_type == "video/mp4"
    # … and refused above it.
    message = _refused(media_root, "长视频.mp4", mp4_bytes(extra=3 * 1024 * 1024), kind="video")
    assert "超过视频 2 MB 上限" in message


def test_AR1_owner_is_generic_and_permission_is_the_callers(media_root):
    grant = DelegationGrant.objects.get(township_id=ANBANG, category="dibao")
    attachment = store("委托书.pdf", pdf_bytes(), owner=grant, username="js_bureau", perm="delegation_manage")
    assert attachment.owner == grant
    assert attachment.owner_type == ContentType.objects.get_for_model(grant)
    with pytest.raises(Forbidden):
        store("委托书.pdf", pdf_bytes(), username="ab_caseworker", perm="delegation_manage")
    with pytest.raises(NotFound):
        store("x.pdf", pdf_bytes(), username="emr_caseworker")  # 安邦乡 is outside 二马路街道
    with pytest.raises(Forbidden):
        store("x.pdf", pdf_bytes(), username="js_auditor")  # read-only
    assert len(stored_files(media_root)) == 1


def test_AR1_download_is_scoped_inline_and_logged(media_root):
    attachment = store("调查表.pdf", pdf_bytes())
    photo = store("照片.png", image_bytes(), kind="photo")
    video = store("视频.mp4", mp4_bytes(), kind="video")
    c = client_for("js_bureau")
    response = c.get(f"/documents/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "attachment.view" and event.object_id == str(attachment.pk)
    assert event.actor_name == "高晓梅"
    assert c.get(f"/documents/attachments/{photo.pk}/")["Content-Disposition"].startswith("inline;")
    assert c.get(f"/documents/attachments/{video.pk}/")["Content-Disposition"].startswith("attachment;")
    assert client_for("emr_caseworker").get(f"/documents/attachments/{attachment.pk}/").status_code == 404
    assert client_for("qj_bureau").get(f"/documents/attachments/{attachment.pk}/").status_code == 404
    assert client_for("ab_assistant").get(f"/documents/attachments/{attachment.pk}/").status_code == 404
    api = c.get(f"/api/v1/attachments/{attachment.pk}")
    assert api.status_code == 200 and api["Content-Type"] == "application/pdf"
    assert client_for("emr_caseworker").get(f"/api/v1/attachments/{attachment.pk}").status_code == 404


def test_AR1_attachments_of_another_township_stay_there(media_root):
    mine = store("a.pdf", pdf_bytes(), username="emr_caseworker", area_code=ERMALU)
    assert client_for("emr_caseworker").get(f"/documents/attachments/{mine.pk}/").status_code == 200
    assert client_for("ab_caseworker").get(f"/documents/attachments/{mine.pk}/").status_code == 404
