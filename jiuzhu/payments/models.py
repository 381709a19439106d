"""The monthly cycle, the frozen ledger (台账), payroll runs, bank files and reconciliation (B3, M1, M2, S11)."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from jiuzhu.core import textlimits
from jiuzhu.core.crypto.sealed import sealed_storage
from jiuzhu.core.types import AssistanceType


class CycleReopen(models.Model):
    """The bureau reopens a frozen month for a reason (M1); closed again when the list is re-exported."""

    county_code = models.CharField(max_length=12)
    month = models.DateField()
    reason = models.TextField(max_length=textlimits.PARAGRAPH)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "重新开放月度业务"
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.county_code} {self.month:%Y-%m} 重新开放"

    @property
    def area_code(self) -> str:
        return self.county_code


class RunStatus(models.TextChoices):
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class PayrollRun(models.Model):
    """One generation of a county's ledger and payroll for a month. At most one runs per county at a time
    (the partial unique constraint); a crashed run is taken over after its heartbeat goes stale."""

    county_code = models.CharField(max_length=12)
    month = models.DateField()
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    townships_total = models.PositiveIntegerField(default=0)
    townships_done = models.PositiveIntegerField(default=0)
    entries = models.PositiveIntegerField(default=0)
    total_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    error = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # The month's figures as the run left them (statistics.freeze): only a run writes ledger lines, so they hold
    # until the next run of the month; the pages read them instead of aggregating 10^5 lines on every view.
    figures = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = "台账与发放名单生成"
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["county_code"], condition=Q(status="running"), name="one_running_payroll_per_county"
            )
        ]

    def __str__(self) -> str:
        return f"{self.county_code} {self.month:%Y-%m} {self.get_status_display()}"

    @property
    def area_code(self) -> str:
        return self.county_code


class EntryKind(models.TextChoices):
    REGULAR = "regular", "按月发放"
    BACK_PAY = "back_pay", "补发"


class LedgerEntry(models.Model):
    """One line of a month's frozen ledger: who is paid what and why. Copied at generation, so later edits
    of a household or enrolment never change a closed month. Unique per month, enrolment and kind (the
    month's own payment, and at most one 补发 line gathering the approved back pay), which makes generation
    idempotent and safe to re-run after a crash."""

    month = models.DateField()
    kind = models.CharField("类别", max_length=10, choices=EntryKind.choices, default=EntryKind.REGULAR)
    covers = models.CharField("补发月份", max_length=200, blank=True)  # e.g. "2026-08、2026-09"
    county_code = models.CharField(max_length=12)
    township_code = models.CharField(max_length=12)
    area_code = models.CharField(max_length=12)
    # Indexed by the unique (enrolment, month) below, which also serves an enrolment's history: a second
    # index on enrolment alone would only slow the monthly insert of 10⁶ rows.
    enrolment = models.ForeignKey(
        "benefits.Enrolment", on_delete=models.PROTECT, related_name="ledger_entries", db_index=False
    )
    household_id = models.BigIntegerField()
    assistance_type = models.CharField(max_length=20, choices=AssistanceType.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    covered_members = models.PositiveSmallIntegerField()
    recipient_name = models.CharField(max_length=60)
    id_masked = models.CharField(max_length=18)
    bank_name = models.CharField(max_length=60)
    account_cipher = models.TextField()
    account_masked = models.CharField(max_length=30)
    basis = models.TextField()
    # N2 渐退: the enrolment is paid in its gradual-exit period this month (copied at generation).
    gradual_exit = models.BooleanField("渐退期", default=False, db_default=False)
    run_id = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "台账"
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "month", "kind"], name="ledger_month_enrolment_kind")
        ]
        indexes = [
            # The month's sums per township (the run page, statistics): the planner reads the month through
            # this narrow index; through the wide one below it chose to scan the whole ledger instead (370 ms).
            models.Index(fields=["county_code", "month", "township_code"], name="ledger_place_month"),
            # The ledger page's order (township, village, line): its first page is read off the index instead of
            # sorting the county's month (2·10^5 lines at province scale, 250 ms).
            models.Index(
                fields=["county_code", "month", "township_code", "area_code", "id"], name="ledger_place_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.recipient_name} {self.amount}"

    @property
    def kind_label(self) -> str:
        """ "补发 2026-08、2026-09" for a back-pay line, "" for the month's own payment."""
        return f"补发 {self.covers}" if self.kind == EntryKind.BACK_PAY else ""


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "待发放"
    PAID = "paid", "已发放"
    FAILED = "failed", "发放失败"


class Payment(models.Model):
    """The bank payment of one ledger line; its result comes back from the bank (reconciliation)."""

    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="payment")
    month = models.DateField()
    county_code = models.CharField(max_length=12)
    township_code = models.CharField(max_length=12)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=8, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    paid_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    bank_reference = models.CharField(max_length=60, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "发放记录"
        indexes = [models.Index(fields=["county_code", "month", "township_code"], name="payment_place_month")]

    def __str__(self) -> str:
        return f"{self.entry} {self.get_status_display()}"


class BankFormat(models.Model):
    """The column layout of one bank's payment file, configurable per county: each bank wants its own (B3)."""

    county_code = models.CharField(max_length=12)
    name = models.CharField("银行", max_length=60)
    columns = models.JSONField("列", default=list)  # [{"header": "账号", "field": "account"}, …]
    encoding = models.CharField("CSV 编码", max_length=10, default="gb18030")
    is_default = models.BooleanField("默认格式", default=False)

    class Meta:
        verbose_name = "银行文件格式"
        ordering = ["county_code", "-is_default", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def area_code(self) -> str:
        return self.county_code


class BankFile(models.Model):
    """A payment file handed to the bank: what was exported, when, by whom, with its checksum."""

    county_code = models.CharField(max_length=12)
    township_code = models.CharField(max_length=12, blank=True)
    month = models.DateField()
    bank_format = models.ForeignKey(BankFormat, on_delete=models.PROTECT, related_name="+")
    file_type = models.CharField(max_length=4)
    paying_bank = models.CharField("开户银行", max_length=60, blank=True)  # '' = every bank
    # Full account numbers: sealed at rest, decrypted only on a logged download, deleted after retention (PI1).
    file = models.FileField(upload_to="bankfiles/%Y/%m/", storage=sealed_storage, blank=True)
    lines = models.PositiveIntegerField()
    total = models.DecimalField(max_digits=16, decimal_places=2)
    sha256 = models.CharField(max_length=64)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "银行发放文件"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.bank_format} {self.lines} 笔"

    @property
    def area_code(self) -> str:
        return self.township_code or self.county_code


class Reconciliation(models.Model):
    """An import of the bank's results (paid / failed / reason)."""

    county_code = models.CharField(max_length=12)
    month = models.DateField()
    file_name = models.CharField(max_length=200)
    rows = models.PositiveIntegerField(default=0)
    paid = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "银行回盘对账"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} 对账 {self.rows} 行"

    @property
    def area_code(self) -> str:
        return self.county_code


class AdjustmentReport(models.Model):
    """The township's monthly dynamic-adjustment table, due by the report day (M1)."""

    township_code = models.CharField(max_length=12)
    month = models.DateField()
    changes = models.PositiveIntegerField()
    late = models.BooleanField(default=False)
    document = models.ForeignKey(
        "documents.IssuedDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()

    class Meta:
        verbose_name = "月度动态调整表"
        ordering = ["-month", "township_code"]
        constraints = [
            models.UniqueConstraint(fields=["township_code", "month"], name="adjustment_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.township_code} {self.month:%Y-%m} 动态调整表"

    @property
    def area_code(self) -> str:
        return self.township_code


class BackPayReason(models.TextChoices):
    LATE_START = "late_start", "起始发放月早于首次发放月"
    FAILED = "failed", "银行发放失败，账户更正后重发"
    SUSPENSION = "suspension", "暂停发放后核实无误，补发暂停期间"


class BackPayStatus(models.TextChoices):
    PROPOSED = "proposed", "待民政局审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予补发"


class BackPay(models.Model):
    """补发: one month of an enrolment that was not paid in its own month's payroll, paid in a later one
    once the bureau approves it. One month of an enrolment is back-paid at most once (the partial unique
    constraint); `entry` is the 补发 ledger line that paid it."""

    enrolment = models.ForeignKey("benefits.Enrolment", on_delete=models.PROTECT, related_name="back_pays")
    household_id = models.BigIntegerField()
    county_code = models.CharField(max_length=12)
    township_code = models.CharField(max_length=12)
    area_code = models.CharField(max_length=12, db_index=True)
    reason = models.CharField("补发原因", max_length=12, choices=BackPayReason.choices)
    for_month = models.DateField("补发月份")
    amount = models.DecimalField("金额", max_digits=12, decimal_places=2)
    status = models.CharField(
        "状态", max_length=10, choices=BackPayStatus.choices, default=BackPayStatus.PROPOSED
    )
    source_payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="reissues"
    )
    entry = models.ForeignKey(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="back_pays"
    )
    note = models.TextField("审批意见", blank=True, max_length=textlimits.PARAGRAPH)
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "补发"
        ordering = ["county_code", "township_code", "enrolment_id", "for_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "for_month"],
                condition=~Q(status="rejected"),
                name="back_pay_month_once",
            )
        ]
        indexes = [models.Index(fields=["county_code", "status"], name="back_pay_county_status")]

    def __str__(self) -> str:
        return f"补发 {self.for_month:%Y-%m} {self.amount}"
