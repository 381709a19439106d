"""Models of the monitoring app's register part: the low-income population register (低收入人口), one row per
person and category, kept from the decisions and enrolments that put the person there."""

from __future__ import annotations

from django.db import models


class RegisterCategory(models.TextChoices):
    """The categories of the national monitoring platform (2023 opinion on dynamic monitoring)."""

    DIBAO = "dibao", "低保对象"
    TEKUN = "tekun", "特困人员"
    EDGE = "edge", "低保边缘家庭成员"
    RIGID_EXPENSE = "rigid_expense", "刚性支出困难家庭成员"
    OTHER = "other", "其他低收入人口"


class Origin(models.TextChoices):
    """Where the person came from: the household applied, a village found it (主动发现), or a 比对 warning."""

    APPLICATION = "application", "主动申请"
    DISCOVERY = "discovery", "主动发现"
    MONITORING = "monitoring", "比对监测"


class RegisterEntry(models.Model):
    """A person in one category of the register, since a date, because of one approved case.

    The rows are written when a case is approved, an enrolment starts, resumes or ends, or members move
    (`register_sync.refresh_household`); what can change without such an event is checked when the register
    is read: the person left the household (`member.is_active`), a 低收入 recognition lapsed (`valid_until`)."""

    member = models.ForeignKey("registry.Member", on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")
    category = models.CharField("人员类别", max_length=14, choices=RegisterCategory.choices)
    area_code = models.CharField("村（社区）", max_length=12)
    township_code = models.CharField("乡镇（街道）", max_length=12)
    county_code = models.CharField(max_length=12)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    enrolment = models.ForeignKey(
        "benefits.Enrolment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    since = models.DateField("纳入日期")
    valid_until = models.DateField("认定有效期至", null=True, blank=True)
    origin = models.CharField("来源", max_length=12, choices=Origin.choices)
    origin_label = models.CharField("来源说明", max_length=120, blank=True)
    origin_url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "低收入人口"
        ordering = ["township_code", "area_code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "category"], name="register_member_category"),
        ]
        indexes = [
            # The register's order: its first page is read off an index, with or without a category filter.
            models.Index(fields=["township_code", "area_code", "id"], name="register_list_order"),
            models.Index(
                fields=["category", "township_code", "area_code", "id"], name="register_category_order"
            ),
            models.Index(fields=["household"], name="register_household"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.member_id}"
