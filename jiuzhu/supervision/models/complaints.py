"""Complaints and reports (S8): hotline, visits, letters and online; assignment, investigation, reply by
a deadline, return visit; linked to cases and findings."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jiuzhu.core import textlimits


class ComplaintChannel(models.TextChoices):
    HOTLINE = "hotline", "热线电话"
    VISIT = "visit", "来访"
    LETTER = "letter", "来信"
    ONLINE = "online", "网上投诉"


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", "已登记"
    ASSIGNED = "assigned", "已交办"
    INVESTIGATED = "investigated", "已调查核实"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已回访办结"


class InvestigationMethod(models.TextChoices):
    VISIT = "visit", "入户核实"
    OPEN = "open", "明察"
    UNANNOUNCED = "unannounced", "暗访"
    RANDOM = "random", "随机抽查"
    RECORDS = "records", "查阅档案"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Complaint(models.Model):
    number = models.CharField("编号", max_length=24, unique=True)
    channel = models.CharField("渠道", max_length=10, choices=ComplaintChannel.choices)
    received_on = models.DateField("收到日期")
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    complainant = models.CharField("反映人", max_length=60, blank=True)
    contact = models.CharField("联系方式", max_length=60, blank=True)
    anonymous = models.BooleanField("匿名", default=False)
    content = models.TextField("反映内容", max_length=textlimits.PARAGRAPH)
    area_code = models.CharField("涉及区划", max_length=12, db_index=True)
    township_code = models.CharField(max_length=12, db_index=True)
    county_code = models.CharField(max_length=12, db_index=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Staff the complaint is about: they never see who complained (S8), nor may they handle it.
    named_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="被反映的工作人员"
    )
    status = models.CharField(
        "状态", max_length=14, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_on = models.DateField("交办日期", null=True, blank=True)
    reply_due_on = models.DateField("答复期限")
    method = models.CharField("调查方式", max_length=12, choices=InvestigationMethod.choices, blank=True)
    investigation = models.TextField("调查核实情况", blank=True, max_length=textlimits.RECORD)
    investigated_on = models.DateField(null=True, blank=True)
    substantiated = models.BooleanField("反映属实", null=True, blank=True)
    reply = models.TextField("答复内容", blank=True, max_length=textlimits.PARAGRAPH)
    replied_on = models.DateField("答复日期", null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_visit_on = models.DateField("回访日期", null=True, blank=True)
    satisfaction = models.CharField("满意度", max_length=12, choices=Satisfaction.choices, blank=True)
    return_visit_note = models.TextField("回访情况", blank=True, max_length=textlimits.PARAGRAPH)
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "投诉举报"
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return self.number

    def overdue_on(self, today) -> bool:
        return (
            self.reply_due_on < (self.replied_on or today) if self.replied_on else self.reply_due_on < today
        )


class ComplaintSequence(models.Model):
    county_code = models.CharField(max_length=6)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county_code", "year"], name="complaint_seq_unique")]

    def __str__(self) -> str:
        return f"{self.county_code}-{self.year}: {self.last}"
