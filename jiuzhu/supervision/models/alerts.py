"""Warnings (S6): the results of the rules in `supervision/rules.py`, upserted by every scan."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jiuzhu.core import textlimits


class AlertStatus(models.TextChoices):
    OPEN = "open", "待处理"
    HANDLED = "handled", "已处理"
    RESOLVED = "resolved", "已消除"


class Alert(models.Model):
    """One rule firing on one subject. `(rule, subject_key)` is stable from scan to scan, so a scan updates
    the row it found before; a warning whose condition has gone is resolved automatically and reopened if
    it comes back."""

    rule = models.CharField("规则", max_length=40)
    subject_key = models.CharField(max_length=160)
    area_code = models.CharField(max_length=12, db_index=True)
    township_code = models.CharField(max_length=12, blank=True)
    county_code = models.CharField(max_length=12)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    detail = models.TextField("预警内容")
    status = models.CharField("状态", max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    first_seen_at = models.DateTimeField("首次发现")
    last_seen_at = models.DateTimeField("最近发现")
    last_scan_id = models.BigIntegerField()
    resolved_at = models.DateTimeField("消除时间", null=True, blank=True)
    reopened_count = models.PositiveIntegerField("重新出现次数", default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handle_note = models.TextField("处理说明", blank=True, max_length=textlimits.PARAGRAPH)

    class Meta:
        verbose_name = "预警"
        ordering = ["-last_seen_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "subject_key"], name="alert_unique_subject")]
        indexes = [
            models.Index(fields=["township_code", "status"]),
            models.Index(fields=["county_code", "status"]),
            models.Index(fields=["rule", "status"]),
            # The warning list's order: its first page is read off the index, not sorted from every warning.
            models.Index(fields=["status", "-last_seen_at", "-id"], name="alert_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject_key}"


class ScanTrigger(models.TextChoices):
    MANUAL = "manual", "手动"
    NIGHTLY = "nightly", "每晚自动"


class AlertScan(models.Model):
    """One run of the rules over a jurisdiction ('' = everything)."""

    area_code = models.CharField("扫描范围", max_length=12, blank=True)
    trigger = models.CharField(max_length=8, choices=ScanTrigger.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    results = models.JSONField(default=dict)
    seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = "预警扫描"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"扫描 {self.area_code or '全部'} {self.started_at:%Y-%m-%d %H:%M}"


# Small work tables a scan fills first, so that every rule stays one set-based query: working-day
# ordinals (P7 arithmetic by subtraction), standards per county and month (B1, S4) and per-township
# parameters. Rows carry their scan's id, so concurrent scans do not mix; they are removed afterwards.


class ScanWorkday(models.Model):
    scan_id = models.BigIntegerField()
    day = models.DateField()
    ordinal = models.IntegerField()  # working days from the table's first day up to and including `day`

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scan_id", "day"], name="scanworkday_unique")]

    def __str__(self) -> str:
        return f"{self.day} #{self.ordinal}"


class ScanStandard(models.Model):
    scan_id = models.BigIntegerField()
    county_code = models.CharField(max_length=12)
    month = models.DateField()
    assistance_type = models.CharField(max_length=20)
    standard = models.DecimalField(max_digits=12, decimal_places=2)
    guidance = models.DecimalField(max_digits=12, decimal_places=2, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scan_id", "county_code", "month", "assistance_type"], name="scanstandard_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.county_code} {self.month} {self.assistance_type} {self.standard}"


class ScanParam(models.Model):
    scan_id = models.BigIntegerField()
    township_code = models.CharField(max_length=12)
    key = models.CharField(max_length=80)
    value = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scan_id", "township_code", "key"], name="scanparam_unique")
        ]

    def __str__(self) -> str:
        return f"{self.township_code} {self.key}={self.value}"


class ScanExclusion(models.Model):
    """A row a rule's query found that its confirmation (`Rule.confirm`) dropped, for this scan only."""

    scan_id = models.BigIntegerField()
    rule = models.CharField(max_length=40)
    subject_key = models.CharField(max_length=160)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scan_id", "rule", "subject_key"], name="scanexclusion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject_key}"
