"""What the citizen portal keeps itself: complaints and reports until supervision takes them (S8)."""

from __future__ import annotations

from django.db import models

from jiuzhu.core import textlimits


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", "投诉（办事不公、态度、拖延等）"
    REPORT = "report", "举报（骗保、人情保、关系保等）"
    SUGGESTION = "suggestion", "意见建议"


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", "已收到，待转督查"
    HANDED_OVER = "handed_over", "已转民政局督查办理"


class Complaint(models.Model):
    """A complaint or report sent through the portal (S8, S12). Anonymous ones are allowed."""

    number = models.CharField("受理编号", max_length=20, unique=True)
    kind = models.CharField("类别", max_length=12, choices=ComplaintKind.choices)
    area_code = models.CharField("涉及地区", max_length=12, db_index=True)
    case_number = models.CharField("相关申请编号", max_length=20, blank=True)
    content = models.TextField("内容", max_length=textlimits.PARAGRAPH)
    name = models.CharField("姓名", max_length=60, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    received_at = models.DateTimeField("收到时间")
    handed_over_at = models.DateTimeField(null=True, blank=True)
    supervision_ref = models.CharField("督查编号", max_length=40, blank=True)

    class Meta:
        verbose_name = "群众投诉举报"
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return self.number


class PhoneCode(models.Model):
    """A one-time code sent to a phone: a household member confirms their consent with it (A3). Only a
    blind index of the phone and a keyed hash of the code are kept."""

    phone_index = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "手机验证码"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"验证码 {self.created_at:%Y-%m-%d %H:%M}"
