"""Township scorecards (S9) and temporary-aid funds, staffing and training (S10, capacity)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jiuzhu.core import textlimits


class ScoreCard(models.Model):
    """A township's score for one month: base points less the weighted deductions, each of which is a
    `ScorePoint` pointing at the case, alert, finding or complaint behind it."""

    county_code = models.CharField(max_length=12, db_index=True)
    township_code = models.CharField("乡镇（街道）", max_length=12)
    month = models.DateField("月份")
    base = models.DecimalField(max_digits=6, decimal_places=2)
    score = models.DecimalField("得分", max_digits=7, decimal_places=2)
    rank = models.PositiveSmallIntegerField("排名", default=0)
    components = models.JSONField("分项扣分", default=dict)
    computed_at = models.DateTimeField()
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "乡镇考评"
        ordering = ["-month", "rank"]
        constraints = [models.UniqueConstraint(fields=["township_code", "month"], name="scorecard_unique")]

    def __str__(self) -> str:
        return f"{self.township_code} {self.month:%Y-%m} {self.score}"

    @property
    def area_code(self) -> str:
        return self.township_code


class ScorePoint(models.Model):
    card = models.ForeignKey(ScoreCard, on_delete=models.CASCADE, related_name="points")
    component = models.CharField(max_length=20)
    points = models.DecimalField(max_digits=7, decimal_places=2)
    note = models.CharField(max_length=300)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    alert = models.ForeignKey(
        "supervision.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finding = models.ForeignKey(
        "supervision.Finding", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    complaint = models.ForeignKey(
        "supervision.Complaint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matter = models.ForeignKey(
        "supervision.Matter", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "考评扣分明细"
        ordering = ["card_id", "component", "id"]

    def __str__(self) -> str:
        return f"{self.component} {self.points}"


class FundAllocation(models.Model):
    """Temporary-aid money allocated to a township for a year (S10)."""

    county_code = models.CharField(max_length=12, db_index=True)
    township_code = models.CharField("乡镇（街道）", max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("拨付金额（元）", max_digits=14, decimal_places=2)
    allocated_on = models.DateField("拨付日期")
    document_no = models.CharField("拨付文号", max_length=60, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "临时救助资金拨付"
        ordering = ["-allocated_on", "-id"]

    def __str__(self) -> str:
        return f"{self.township_code} {self.year} {self.amount}"

    @property
    def area_code(self) -> str:
        return self.township_code


class Training(models.Model):
    """A training session held by the county for township and village staff (capacity norms)."""

    county_code = models.CharField(max_length=12, db_index=True)
    held_on = models.DateField("培训日期")
    title = models.CharField("培训名称", max_length=120)
    organiser = models.CharField("主办单位", max_length=120)
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    content = models.TextField("培训内容", blank=True, max_length=textlimits.RECORD)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    other_attendees = models.PositiveIntegerField("其他参训人数", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "业务培训"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def area_code(self) -> str:
        return self.county_code


class KpiSnapshot(models.Model):
    """The supervision dashboard's figures (S5, S11) for one jurisdiction scope, as last computed: the page
    shows them with their time instead of aggregating 10^6 cases on every visit. Refreshed when older than
    `figures.FRESH_FOR`, on demand from the page, and from cron (`manage.py refresh_figures`)."""

    scope = models.CharField(max_length=400, unique=True)  # the viewers' jurisdiction prefixes, sorted
    tables = models.JSONField(default=list)
    computed_at = models.DateTimeField("计算时间")
    computed_for = models.ForeignKey(  # a viewer of this scope, whose reads the refresh repeats
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "监管概览数据"

    def __str__(self) -> str:
        return f"{self.scope} {self.computed_at:%Y-%m-%d %H:%M}"
