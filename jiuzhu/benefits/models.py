"""Enrolments and their history, self-care assessments, periodic reviews, dishonesty records (B1–B3, DM1–DM3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jiuzhu.cases.models import Case
from jiuzhu.core import clock, textlimits
from jiuzhu.core.dates import month_start
from jiuzhu.core.types import AssistanceType
from jiuzhu.registry.models import Household, Member


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", "保障中"
    GRADUAL_EXIT = "gradual_exit", "渐退期"
    SUSPENDED = "suspended", "暂停发放"
    TERMINATED = "terminated", "已终止"


class CareForm(models.TextChoices):
    DISPERSED = "dispersed", "分散供养"
    CENTRALISED = "centralised", "集中供养"


class Enrolment(models.Model):
    """An approved case on the rolls: paid monthly from `start_month` (P3, B3).

    The amount in force for a month is `amount`, or `next_amount` from `next_from` on: changes take effect
    the next month (DM1), so a month already on the ledger never changes. Months are first days."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="enrolment")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="enrolments")
    assistance_type = models.CharField(max_length=20, choices=AssistanceType.choices)
    area_code = models.CharField(max_length=12, db_index=True)
    township_code = models.CharField(max_length=12)
    county_code = models.CharField(max_length=12)
    status = models.CharField(max_length=14, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE)
    start_month = models.DateField("起始发放月")
    end_month = models.DateField("最后发放月", null=True, blank=True)
    # N2 渐退: the first month paid in the gradual-exit period (through `end_month`).
    gradual_exit_from = models.DateField("渐退起始月", null=True, blank=True)
    suspended_from = models.DateField("暂停起始月", null=True, blank=True)
    amount = models.DecimalField("月发放金额", max_digits=12, decimal_places=2)
    next_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    next_from = models.DateField(null=True, blank=True)
    covered_members = models.PositiveSmallIntegerField("保障人数")
    covered_member_ids = models.JSONField(default=list)
    basis = models.TextField("计算依据", blank=True)
    selfcare_level = models.CharField("自理能力", max_length=8, blank=True)
    care_form = models.CharField("供养形式", max_length=12, choices=CareForm.choices, blank=True)
    bank_name = models.CharField("开户银行", max_length=60, blank=True)
    account_holder = models.CharField("户名", max_length=60, blank=True)
    account_cipher = models.TextField(blank=True)
    account_index = models.CharField(max_length=64, blank=True)
    account_masked = models.CharField("银行账号", max_length=30, blank=True)
    next_review_on = models.DateField("下次核查日期", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "保障对象"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["county_code", "township_code"], name="enrolment_place"),
            models.Index(fields=["account_index"], name="enrolment_account_index"),
            models.Index(fields=["next_review_on"], name="enrolment_review_due"),
            # The enrolment list's order: its first page is read off the index, not sorted from every row.
            models.Index(fields=["township_code", "area_code", "id"], name="enrolment_list_order"),
            # Enrolments with no bank account yet (the payroll page's 无法发放 list, the enrolment filter): a
            # few among 10^5, found without reading the rest.
            models.Index(
                fields=["county_code", "id"],
                condition=models.Q(account_cipher=""),
                name="enrolment_no_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.get_assistance_type_display()}"

    @property
    def payable(self) -> bool:
        return bool(self.account_cipher)

    @property
    def on_rolls(self) -> bool:
        """A stop or the end of 渐退 keeps the status but ends the payments after `end_month`; from the month
        after, the household is no longer on the rolls (DM1, N2). The ORM twin is `selectors.live_q`."""
        if self.status == EnrolmentStatus.TERMINATED:
            return False
        return self.end_month is None or self.end_month >= month_start(clock.today())

    @property
    def status_label(self) -> str:
        """The status as staff read it today."""
        if self.status != EnrolmentStatus.TERMINATED and not self.on_rolls:
            return f"已停发（发放至{self.end_month:%Y年%m月}）"
        return self.get_status_display()


class ChangeKind(models.TextChoices):
    START = "start", "纳入保障"
    KEEP = "keep", "核查维持"
    INCREASE = "increase", "增发"
    DECREASE = "decrease", "减发"
    STOP = "stop", "停发"
    GRADUAL_EXIT = "gradual_exit", "渐退"
    SUSPEND = "suspend", "暂停"
    RESUME = "resume", "恢复"
    TERMINATE = "terminate", "终止"
    BANK = "bank", "变更发放账户"
    LEVEL = "level", "自理能力重新评估"
    BACK_PAY = "back_pay", "补发"


class EnrolmentChange(models.Model):
    """Every change of an enrolment, kept for good: what was paid in any month, and why, can always be
    shown (DM1)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=14, choices=ChangeKind.choices)
    effective_month = models.DateField("生效月")
    amount_before = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    amount_after = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    reason = models.TextField("原因", max_length=textlimits.PARAGRAPH)
    breakdown = models.TextField("计算依据", blank=True)
    notice_document = models.ForeignKey(
        "documents.IssuedDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "保障变更"
        ordering = ["enrolment_id", "-created_at"]

    def __str__(self) -> str:
        return f"{self.enrolment} {self.get_kind_display()} {self.effective_month:%Y-%m}"

    @property
    def area_code(self) -> str:
        return self.enrolment.area_code

    @property
    def needs_notice(self) -> bool:
        """DM1: every decrease or stop gives the household a written notice with reasons."""
        return self.kind in (
            ChangeKind.DECREASE,
            ChangeKind.STOP,
            ChangeKind.GRADUAL_EXIT,
            ChangeKind.TERMINATE,
        )


class Assessment(models.Model):
    """特困 self-care assessment on the six indicators (B2). Levels change only through a new one."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="assessments")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    assessed_on = models.DateField("评估日期")
    unmet = models.JSONField("达不到的指标", default=list)
    level = models.CharField("自理能力等级", max_length=8)
    care_form = models.CharField("供养意愿", max_length=12, choices=CareForm.choices)
    assessors = models.CharField("评估人员", max_length=120)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "生活自理能力评估"
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.member} {self.level} {self.assessed_on}"


class ReviewOutcome(models.TextChoices):
    KEEP = "keep", "维持"
    INCREASE = "increase", "增发"
    DECREASE = "decrease", "减发"
    STOP = "stop", "停发"


class PeriodicReview(models.Model):
    """DM1: the periodic review of a recipient (定期核查)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="reviews")
    due_on = models.DateField("应核查日期")
    done_on = models.DateField("核查日期")
    outcome = models.CharField("结论", max_length=10, choices=ReviewOutcome.choices)
    findings = models.TextField("核查情况", max_length=textlimits.PARAGRAPH)
    change = models.ForeignKey(
        EnrolmentChange, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "定期核查"
        ordering = ["-done_on"]

    def __str__(self) -> str:
        return f"{self.enrolment} 核查 {self.done_on}"


class DishonestyRecord(models.Model):
    """DM3: fraud found later is recorded; the benefit is stopped and the overpayment recovered."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="dishonesty_records")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(max_length=12, db_index=True)
    found_on = models.DateField("查实日期")
    description = models.TextField("失信情形", max_length=textlimits.PARAGRAPH)
    to_recover = models.DecimalField("应追回金额", max_digits=12, decimal_places=2, default=0)
    recovered = models.DecimalField("已追回金额", max_digits=12, decimal_places=2, default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "失信记录"
        ordering = ["-found_on"]

    def __str__(self) -> str:
        return f"{self.household} 失信 {self.found_on}"


class SingleCover(models.Model):
    """单人保 (N2): a 低保 case that covers one severely disabled or seriously ill member of a 低保边缘
    household alone, paid as a one-person household."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="single_cover")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("单人保理由", max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "单人保"

    def __str__(self) -> str:
        return f"{self.case} 单人保 {self.member}"
