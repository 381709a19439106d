"""Models of the monitoring app's watch part: monitoring warnings (预警) made by 比对 with other departments'
monthly files, their verification (核实) and resolution, and referrals to special assistance (转专项救助)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jiuzhu.core import textlimits

__all__ = [
    "HouseholdCategory",
    "MonitoringWarning",
    "Need",
    "Referral",
    "Resolution",
    "Source",
    "VerifyMethod",
    "WarningCategory",
    "WarningStatus",
]


class Source(models.TextChoices):
    GONGAN = "gongan", "公安"
    RENSHE = "renshe", "人社"
    YIBAO = "yibao", "医保"
    CANLIAN = "canlian", "残联"
    BUDONGCHAN = "budongchan", "不动产"
    SHICHANG = "shichang", "市场监管"


class WarningCategory(models.TextChoices):
    INCOME_UP = "income_up", "收入增加"
    SPENDING_UP = "spending_up", "支出骤增"
    DEATH = "death", "死亡"
    MOVED_OUT = "moved_out", "迁出"
    DISABILITY = "disability", "新增残疾"
    ASSETS = "assets", "资产变化"


class HouseholdCategory(models.TextChoices):
    """The household's category when the warning was made (from enrolments and approved decisions)."""

    TEKUN = "tekun", "特困"
    DIBAO = "dibao", "低保"
    LOW_INCOME = "low_income", "低收入"
    NONE = "none", "未纳入"


class WarningStatus(models.TextChoices):
    OPEN = "open", "待核实"
    VERIFIED = "verified", "已核实待处置"
    RESOLVED = "resolved", "已处置"


class VerifyMethod(models.TextChoices):
    VISIT = "visit", "入户核实"
    PHONE = "phone", "电话核实"
    RECORDS = "records", "查阅资料"


class Resolution(models.TextChoices):
    ENROL = "enrol", "纳入救助"
    ADJUST = "adjust", "调整待遇"
    REFER = "refer", "转专项救助"
    NONE = "none", "无需处理"


class Need(models.TextChoices):
    """Special assistance (专项救助) a warning may be referred to; also the chain's `need` values."""

    MEDICAL = "medical", "医疗救助"
    EDUCATION = "education", "教育救助"
    HOUSING = "housing", "住房救助"
    EMPLOYMENT = "employment", "就业救助"


class MonitoringWarning(models.Model):
    """One match of a department's record with a registered person. `dedup_key` (source, record, person's
    blind index, date, amount) makes importing the same file twice make no second warning."""

    source = models.CharField("来源", max_length=12, choices=Source.choices)
    category = models.CharField("预警类别", max_length=12, choices=WarningCategory.choices)
    record = models.CharField("比对事项", max_length=20)
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="monitoring_warnings"
    )
    member = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(max_length=12, db_index=True)
    township_code = models.CharField(max_length=12)
    county_code = models.CharField(max_length=12)
    household_category = models.CharField("家庭类别", max_length=10, choices=HouseholdCategory.choices)
    event_on = models.DateField("发生日期")
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    detail = models.CharField("预警内容", max_length=300)
    period = models.DateField("比对月份")  # first day of the month of the file
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dedup_key = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        "状态", max_length=10, choices=WarningStatus.choices, default=WarningStatus.OPEN
    )
    due_on = models.DateField("核实期限")
    created_at = models.DateTimeField()
    verified_on = models.DateField("核实日期", null=True, blank=True)
    verify_method = models.CharField("核实方式", max_length=10, choices=VerifyMethod.choices, blank=True)
    verify_note = models.TextField("核实情况", blank=True, max_length=textlimits.PARAGRAPH)
    confirmed = models.BooleanField("情况属实", null=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField("处置方式", max_length=8, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField("处置说明", blank=True, max_length=textlimits.PARAGRAPH)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(
        "benefits.PeriodicReview", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "监测预警"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["township_code", "period"], name="mwarning_township_period"),
            # The warning list's order (due first, newest among equals): its page is read off the index and
            # only those 50 rows are joined to their households, not every open warning of the county.
            models.Index(fields=["status", "due_on", "-id"], name="mwarning_status_due_order"),
            models.Index(fields=["household"], name="mwarning_household"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}·{self.get_category_display()} {self.detail}"

    @property
    def number(self) -> str:
        return f"JC{self.pk}"  # as the supervision rule writes it in SQL (watch_chain)


class Referral(models.Model):
    """转专项救助: the warning handed to another department, with its answer once it comes."""

    warning = models.OneToOneField(MonitoringWarning, on_delete=models.PROTECT, related_name="referral")
    need = models.CharField("专项救助", max_length=12, choices=Need.choices)
    department = models.CharField("接收部门", max_length=60)
    sent_on = models.DateField("转介日期")
    note = models.TextField("转介说明", max_length=textlimits.PARAGRAPH)
    answered_on = models.DateField("反馈日期", null=True, blank=True)
    answer = models.TextField("部门反馈", blank=True, max_length=textlimits.PARAGRAPH)
    # Whether the department met the need (and with how much): a granted answer is assistance on the household's
    # chain, where the same need met twice within the period is a warning.
    granted = models.BooleanField("是否给予救助", null=True, blank=True)
    granted_amount = models.DecimalField(
        "救助金额（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "专项救助转介"

    def __str__(self) -> str:
        return f"{self.get_need_display()} → {self.department}"
