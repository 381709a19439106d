"""Escalation (S7): reminder → prompt letter → circulated criticism or special supervision letter →
referral to the discipline body. One matter per problem of a township; one step per level issued."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jiuzhu.core import textlimits


class Level(models.TextChoices):
    REMINDER = "reminder", "工作提示（电话提醒/现场指导）"
    PROMPT = "prompt", "提示函"
    CRITICISM = "criticism", "通报批评"
    SPECIAL = "special", "专项督办函"
    REFERRAL = "referral", "移交纪检监察机关"


# The ladder: each level may be followed by those of the next rung.
LADDER: list[frozenset[str]] = [
    frozenset({Level.REMINDER}),
    frozenset({Level.PROMPT}),
    frozenset({Level.CRITICISM, Level.SPECIAL}),
    frozenset({Level.REFERRAL}),
]
LETTER_LEVELS = frozenset({Level.PROMPT, Level.CRITICISM, Level.SPECIAL, Level.REFERRAL})


def rung(level: str) -> int:
    return next(i for i, r in enumerate(LADDER) if level in r)


class MatterStatus(models.TextChoices):
    OPEN = "open", "督办中"
    ANSWERED = "answered", "已回复，待审核"
    CLOSED = "closed", "已办结"


class Matter(models.Model):
    """A supervised problem of one township (督办事项), with its findings, warnings or complaint."""

    county_code = models.CharField(max_length=12, db_index=True)
    township_code = models.CharField("乡镇（街道）", max_length=12, db_index=True)
    title = models.CharField("督办事项", max_length=120)
    problem = models.TextField("问题描述", max_length=textlimits.PARAGRAPH)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    findings = models.ManyToManyField("supervision.Finding", blank=True, related_name="matters")
    alerts = models.ManyToManyField("supervision.Alert", blank=True, related_name="matters")
    complaint = models.ForeignKey(
        "supervision.Complaint", null=True, blank=True, on_delete=models.PROTECT, related_name="matters"
    )
    level = models.CharField("当前督办层级", max_length=10, choices=Level.choices)
    status = models.CharField("状态", max_length=10, choices=MatterStatus.choices, default=MatterStatus.OPEN)
    opened_on = models.DateField("立项日期")
    closed_on = models.DateField("办结日期", null=True, blank=True)
    close_note = models.TextField("办结意见", blank=True, max_length=textlimits.PARAGRAPH)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "督办事项"
        ordering = ["-opened_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def area_code(self) -> str:
        return self.township_code

    @property
    def current_step(self):
        return self.steps.order_by("-id").first()


class StepReview(models.TextChoices):
    ACCEPTED = "accepted", "整改到位，同意办结"
    ESCALATED = "escalated", "整改不到位，升级督办"


class MatterStep(models.Model):
    """One level issued: deadline, measures, the responsible person; the township's answer; the review."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="steps")
    level = models.CharField("督办层级", max_length=10, choices=Level.choices)
    issued_on = models.DateField("下达日期")
    due_on = models.DateField("整改时限")
    measures = models.TextField("整改措施", max_length=textlimits.RECORD)
    responsible = models.CharField("整改责任人", max_length=60)
    content = models.TextField("督办内容", blank=True, max_length=textlimits.RECORD)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(
        "documents.IssuedDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_on = models.DateField("回复日期", null=True, blank=True)
    answer = models.TextField("整改情况回复", blank=True, max_length=textlimits.PARAGRAPH)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review = models.CharField("审核意见", max_length=10, choices=StepReview.choices, blank=True)
    reviewed_on = models.DateField(null=True, blank=True)
    review_note = models.TextField("审核说明", blank=True, max_length=textlimits.PARAGRAPH)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "督办环节"
        ordering = ["matter_id", "id"]

    def __str__(self) -> str:
        return f"{self.matter} {self.get_level_display()}"

    @property
    def area_code(self) -> str:
        return self.matter.township_code

    def overdue_on(self, today) -> bool:
        """S7 overdue tracking: not answered by its deadline."""
        return self.due_on < (self.answered_on or today) if self.answered_on else self.due_on < today
