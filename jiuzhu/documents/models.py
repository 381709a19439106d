from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from jiuzhu.core.filetypes import AttachmentKind
from jiuzhu.documents.kinds import KIND_CHOICES, name_of


class Attachment(models.Model):
    """A stored file (AR1): scanned paper, photos, video. Its type was detected from its content."""

    file = models.FileField("文件", max_length=255)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.BigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    kind = models.CharField("类别", max_length=8, choices=AttachmentKind.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    area_code = models.CharField("区划代码", max_length=12, db_index=True)
    # Generic owner: households, cases, issued documents … keep their files here (AR1).
    owner_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_id = models.CharField(max_length=64, blank=True)
    owner = GenericForeignKey("owner_type", "owner_id")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "附件"
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["owner_type", "owner_id"])]

    def __str__(self) -> str:
        return self.original_name

    @property
    def inline(self) -> bool:
        """PDF and images open in the browser; video and others download."""
        return self.content_type == "application/pdf" or self.content_type.startswith("image/")


class DocumentNumberPrefix(models.Model):
    """The 文号 prefix of one organisation (e.g. 尖民救). Without a row a default is derived."""

    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="number_prefix"
    )
    prefix = models.CharField("文号字头", max_length=20)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "文号字头"

    def __str__(self) -> str:
        return f"{self.organisation} {self.prefix}"


class DocumentNumberSequence(models.Model):
    """The last number given by one organisation in one year; its row is locked while numbering."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "文号序列"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="docnumber_unique_org_year")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year} #{self.last_number}"


class NumberStatus(models.TextChoices):
    RESERVED = "reserved", "出具中"
    ISSUED = "issued", "已出具"
    VOID = "void", "空号（未能出具）"


class DocumentNumber(models.Model):
    """The 文号 register (发文登记簿): one row for every number a sequence gave out, and what became of it.

    A number is reserved in a short transaction before the PDF is rendered; it becomes `issued` with the
    document, or `void` with the reason when rendering or storing failed. The register has no gaps: every
    serial from 1 to the sequence's last number has a row."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    serial = models.PositiveIntegerField("序号")
    number = models.CharField("文号", max_length=60)
    kind = models.CharField("文书种类", max_length=40, choices=KIND_CHOICES)
    title = models.CharField("标题", max_length=200)
    area_code = models.CharField("区划代码", max_length=12, db_index=True)
    status = models.CharField(
        "状态", max_length=8, choices=NumberStatus.choices, default=NumberStatus.RESERVED
    )
    document = models.OneToOneField(
        "IssuedDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="register_entry"
    )
    reserved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reserved_at = models.DateTimeField("取号时间")
    void_reason = models.CharField("空号原因", max_length=300, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "发文登记"
        ordering = ["organisation_id", "-year", "-serial"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "serial"], name="docnumber_register_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "reserved_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.get_status_display()}"


class DocumentTemplate(models.Model):
    """One version of a county's template for one kind. Versions are never edited or deleted."""

    kind = models.CharField("文书种类", max_length=40, choices=KIND_CHOICES)
    county_code = models.CharField("县（区）区划代码", max_length=12)
    version = models.PositiveIntegerField("版本")
    html = models.TextField("模板内容")
    is_default = models.BooleanField("系统默认模板", default=False)
    note = models.CharField("修改说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "文书模板"
        ordering = ["kind", "county_code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "county_code", "version"], name="doctemplate_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    @property
    def area_code(self) -> str:
        return self.county_code


class IssuedDocument(models.Model):
    """An official document as issued: its number, parties, the stored PDF and its hashes."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField("文书种类", max_length=40, choices=KIND_CHOICES)
    number = models.CharField("文号", max_length=60)
    title = models.CharField("标题", max_length=200)
    authority_name = models.CharField("发文机关", max_length=120)
    handling_unit_name = models.CharField("承办单位", max_length=120, blank=True)
    issuing_org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="发文机关"
    )
    handling_org = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField("区划代码", max_length=12, db_index=True)
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.CharField(max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    pdf = models.FileField("PDF", max_length=255)
    pdf_size = models.PositiveIntegerField(default=0)
    content = models.JSONField("文书内容（规范化）")
    content_sha256 = models.CharField("内容哈希", max_length=64)
    pdf_sha256 = models.CharField("PDF 哈希", max_length=64)
    template_version = models.PositiveIntegerField("模板版本", default=0, help_text="0 表示系统默认模板文件")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("出具时间")
    revoked = models.BooleanField("已作废", default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField("作废原因", blank=True)

    class Meta:
        verbose_name = "已出具文书"
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["kind", "issued_at"]),
        ]
        constraints = [
            # A number is used once per organisation; a revoked document frees it for a reissue.
            models.UniqueConstraint(
                fields=["issuing_org", "number"],
                condition=models.Q(revoked=False),
                name="issueddoc_unique_number",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.number}）"

    @property
    def kind_name(self) -> str:

        return name_of(self.kind)

    @property
    def verify_code(self) -> str:
        return self.content_sha256[:16]
