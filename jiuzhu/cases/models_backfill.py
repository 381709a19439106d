"""Records a bureau officer authorises for the township. 补录: a step dated further back than the policy allows
(paper work entered late) is recorded only with an approved, reasoned request, which the step then carries
as its mark. Waivers: an item of an emergency case's paperwork the bureau excused, with the reason (P8)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jiuzhu.core import textlimits


class BackfillStatus(models.TextChoices):
    PENDING = "pending", "待民政局审批"
    APPROVED = "approved", "已批准，待补录"
    REJECTED = "rejected", "未批准"
    USED = "used", "已补录"


class BackfillRequest(models.Model):
    """The township asks to date one step of one case on one past day, with a reason; the bureau decides."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="backfill_requests")
    action = models.CharField("办理环节", max_length=40)
    step_on = models.DateField("补录日期")
    reason = models.TextField("补录原因", max_length=textlimits.PARAGRAPH)
    status = models.CharField(
        "状态", max_length=10, choices=BackfillStatus.choices, default=BackfillStatus.PENDING
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True, max_length=textlimits.PARAGRAPH)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "补录申请"
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["case", "action", "status"])]

    def __str__(self) -> str:
        return f"{self.case} 补录 {self.action} {self.step_on}"

    @property
    def area_code(self) -> str:
        return self.case.area_code


class EmergencyWaiver(models.Model):
    """P8: an item of the normal path's paperwork that a bureau officer waived, with the reason, for an
    emergency case that cannot otherwise be closed (补办登记). `item_key` names the item as
    `cases.emergency_paperwork.key_of` does."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="emergency_waivers")
    item_key = models.CharField(max_length=40)
    label = models.CharField("免于补办的材料", max_length=200)
    reason = models.TextField("理由", max_length=textlimits.PARAGRAPH)
    waived_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    waived_at = models.DateTimeField()

    class Meta:
        verbose_name = "急难救助材料免补"
        ordering = ["waived_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "item_key"], name="emergency_waiver_unique_item")
        ]

    def __str__(self) -> str:
        return f"{self.case} 免补 {self.label}"

    @property
    def area_code(self) -> str:
        return self.case.area_code
