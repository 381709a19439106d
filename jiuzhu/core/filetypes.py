"""What an uploaded file really is, judged by its content (magic bytes), never by its name, and the check every
upload passes before anything is stored (in core: staff accounts, cases, documents and the portal all take
files)."""

from __future__ import annotations

from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files import File
from django.db import models

from jiuzhu.core.errors import ValidationFailed


class AttachmentKind(models.TextChoices):
    SCAN = "scan", "扫描件"
    PHOTO = "photo", "照片"
    VIDEO = "video", "视频"
    OTHER = "other", "其他"


@dataclass(frozen=True)
class FileType:
    mime: str
    label: str
    extensions: tuple[str, ...]
    video: bool = False

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = FileType("application/pdf", "PDF 文档", (".pdf",))
JPEG = FileType("image/jpeg", "JPEG 图片", (".jpg", ".jpeg"))
PNG = FileType("image/png", "PNG 图片", (".png",))
MP4 = FileType("video/mp4", "MP4 视频", (".mp4", ".m4v"), video=True)
MOV = FileType("video/quicktime", "MOV 视频", (".mov",), video=True)
WEBM = FileType("video/webm", "WebM 视频", (".webm",), video=True)

ACCEPTED: dict[str, FileType] = {t.mime: t for t in (PDF, JPEG, PNG, MP4, MOV, WEBM)}

ALLOWED_BY_KIND: dict[str, tuple[FileType, ...]] = {
    AttachmentKind.SCAN: (PDF, JPEG, PNG),
    AttachmentKind.PHOTO: (JPEG, PNG),
    AttachmentKind.VIDEO: (MP4, MOV, WEBM),
    AttachmentKind.OTHER: (PDF, JPEG, PNG, MP4, MOV, WEBM),
}

# Chinese names of what people commonly upload by mistake, for the refusal message.
_OTHER_LABELS = {
    "application/zip": "ZIP 压缩包",
    "application/x-rar-compressed": "RAR 压缩包",
    "application/x-7z-compressed": "7z 压缩包",
    "application/gzip": "gzip 压缩包",
    "application/x-tar": "tar 归档",
    "application/msword": "Word 文档（doc）",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word 文档（docx）",
    "application/vnd.ms-excel": "Excel 表格（xls）",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel 表格（xlsx）",
    "application/vnd.ms-powerpoint": "PowerPoint 演示文稿",
    "application/x-msdownload": "Windows 可执行程序",
    "application/x-executable": "可执行程序",
    "application/x-sh": "脚本",
    "image/gif": "GIF 图片",
    "image/bmp": "BMP 图片",
    "image/tiff": "TIFF 图片",
    "image/webp": "WebP 图片",
    "image/heic": "HEIC 图片",
    "image/heif": "HEIF 图片",
    "video/x-msvideo": "AVI 视频",
    "video/x-matroska": "MKV 视频",
    "video/x-flv": "FLV 视频",
    "video/x-ms-wmv": "WMV 视频",
    "audio/mpeg": "MP3 音频",
}

HEAD_BYTES = 8192  # enough for every signature `filetype` knows


def detect(head: bytes) -> tuple[str, str]:
    """(mime, Chinese label) of the content; ("", "无法识别的格式…") when unknown."""
    guess = filetype.guess(head)
    if guess is None:
        return "", "无法识别的格式（可能是文本文件或已损坏的文件）"
    accepted = ACCEPTED.get(guess.mime)
    if accepted is not None:
        return guess.mime, accepted.label
    return guess.mime, _OTHER_LABELS.get(guess.mime, f"{guess.extension.upper()} 文件（{guess.mime}）")


def extension_of(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def declared_type(name: str) -> FileType | None:
    """The accepted type the file name claims, if it claims one."""
    ext = extension_of(name)
    return next((t for t in ACCEPTED.values() if ext in t.extensions), None)


def labels(types: tuple[FileType, ...]) -> str:
    return "、".join(t.label.split(" ")[0] for t in types)


def max_bytes(file_type: FileType) -> int:
    return settings.UPLOAD_VIDEO_MAX_BYTES if file_type.video else settings.UPLOAD_MAX_BYTES


def megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def accept_attribute(kind: str | None = None) -> str:
    """For `<input type=file accept=…>`: a hint to the browser; the server still checks the content."""
    types = ALLOWED_BY_KIND.get(kind or AttachmentKind.OTHER, ALLOWED_BY_KIND[AttachmentKind.OTHER])
    return ",".join(ext for t in types for ext in t.extensions)


def check_upload(*, upload: File, kind: str) -> FileType:
    """The upload's real type, or a Chinese refusal: empty, not an accepted type by content, a name
    claiming another type, or over the size limit. Reads the first bytes only; writes nothing."""
    name = upload.name or "未命名文件"
    if kind not in AttachmentKind.values:
        raise ValidationFailed("附件类别无效", field_errors={"kind": "无效"})
    size = upload.size or 0
    if size == 0:
        raise ValidationFailed(f"文件为空：“{name}”没有内容", field_errors={"file": "文件为空"})
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    mime, actual = detect(head)
    allowed = ALLOWED_BY_KIND[kind]
    found = next((t for t in allowed if t.mime == mime), None)
    kind_label = AttachmentKind(kind).label
    if found is None:
        message = (
            f"文件类型不符：“{name}”实际为{actual}，{kind_label}只接受 {labels(allowed)}"
            "（系统按文件内容判断类型，修改扩展名无效）"
        )
        raise ValidationFailed(message, field_errors={"file": message})
    claimed = declared_type(name)
    if claimed is not None and claimed.mime != found.mime:
        message = f"文件类型不符：“{name}”的扩展名为 {extension_of(name)}，实际为{found.label}"
        raise ValidationFailed(message, field_errors={"file": message})
    limit = max_bytes(found)
    if size > limit:
        message = (
            f"文件过大：“{name}”为 {megabytes(size)} MB，超过{found.label.split(' ')[-1]}"
            f" {megabytes(limit)} MB 上限"
        )
        raise ValidationFailed(message, field_errors={"file": message})
    return found


def download_name(name: str, mime: str) -> str:
    """The name a file is downloaded under ends with the extension of its detected type (PI1): "证明.exe"
    holding a PDF downloads as "证明.pdf", so the computer opening it does not run something else."""
    found = ACCEPTED.get(mime)
    if found is None:
        return name
    if extension_of(name) in found.extensions:
        return name
    stem = name[: name.rfind(".")] if extension_of(name) else name
    return (stem or "附件") + found.extension
