"""Monthly samples of new approvals (S1), yearly home checks of recipients (S2), inspections filled in
against the checklists of S3/S4, and the findings they produce."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jiuzhu.core import textlimits


class SampleKind(models.TextChoices):
    MONTHLY = "monthly", "月度新增对象抽查"
    YEARLY_HOME = "yearly_home", "年度在保对象入户抽查"


class Sample(models.Model):
    """One draw. The seed and the population (in the order it was drawn from) are recorded, so the same
    selection can be drawn again at any time and compared (S1, S2)."""

    kind = models.CharField("抽查类别", max_length=12, choices=SampleKind.choices)
    county_code = models.CharField("县（区）", max_length=12, db_index=True)
    period_start = models.DateField("期间起")
    period_end = models.DateField("期间止")
    source = models.CharField("抽样来源", max_length=20)
    seed = models.CharField("随机种子", max_length=32)
    percent = models.DecimalField("抽查比例（%）", max_digits=5, decimal_places=2)
    minimum = models.PositiveIntegerField("每个乡镇（街道）最少抽查数")
    population = models.JSONField("抽样总体（按抽取顺序）", default=list)
    population_count = models.PositiveIntegerField("总体数", default=0)
    drawn_count = models.PositiveIntegerField("抽中数", default=0)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField("抽取时间")

    class Meta:
        verbose_name = "抽查批次"
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "county_code", "period_start"], name="sample_one_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start:%Y-%m}"

    @property
    def area_code(self) -> str:
        return self.county_code


class SampleItem(models.Model):
    """A drawn case (a recipient's approved case for home checks, until enrolments exist)."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    township_code = models.CharField(max_length=12, db_index=True)
    area_code = models.CharField(max_length=12, db_index=True)
    position = models.PositiveIntegerField("抽取序号")

    class Meta:
        verbose_name = "抽中对象"
        ordering = ["sample_id", "township_code", "position"]
        constraints = [models.UniqueConstraint(fields=["sample", "case"], name="sample_item_unique_case")]

    def __str__(self) -> str:
        return f"{self.sample} #{self.position}"


class ChecklistKind(models.TextChoices):
    PROCESS = "process", "审核确认流程检查（S3）"
    BENEFIT = "benefit", "保障水平检查（S4）"
    HOME = "home", "入户核查（S2）"


class ChecklistItem(models.Model):
    """One checklist question, as policy data: national items (scope '') replaced or extended per county."""

    kind = models.CharField("清单", max_length=10, choices=ChecklistKind.choices)
    code = models.CharField("编码", max_length=40)
    text = models.CharField("检查内容", max_length=300)
    rule = models.CharField("依据", max_length=40, blank=True)
    evidence_hint = models.CharField("查验材料", max_length=300, blank=True)
    sort = models.PositiveSmallIntegerField("排序", default=100)
    scope_code = models.CharField("适用县（区）", max_length=12, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "检查清单项目"
        ordering = ["kind", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code", "scope_code"], name="checklist_item_unique")
        ]

    def __str__(self) -> str:
        return self.text


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", "检查中"
    COMPLETED = "completed", "已完成"


class Inspection(models.Model):
    """A checklist filled in for one case (S3 process, S4 benefit, S2 home check)."""

    sample_item = models.ForeignKey(
        SampleItem, null=True, blank=True, on_delete=models.PROTECT, related_name="inspections"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("检查类别", max_length=10, choices=ChecklistKind.choices)
    area_code = models.CharField(max_length=12, db_index=True)
    township_code = models.CharField(max_length=12, db_index=True)
    county_code = models.CharField(max_length=12, db_index=True)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inspected_on = models.DateField("检查日期")
    on_site = models.BooleanField("实地入户", default=False)
    status = models.CharField(
        "状态", max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.DRAFT
    )
    conclusion = models.TextField("检查结论", blank=True, max_length=textlimits.PARAGRAPH)
    completed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "检查"
        ordering = ["-inspected_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case}"


class AnswerResult(models.TextChoices):
    PASS = "pass", "符合"
    FAIL = "fail", "不符合"
    NA = "na", "不适用"


class InspectionAnswer(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    item_text = models.CharField("检查内容", max_length=300)
    result = models.CharField("结果", max_length=4, choices=AnswerResult.choices, blank=True)
    evidence = models.CharField("查验材料/证据", max_length=300, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "检查结果"
        ordering = ["inspection_id", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="answer_unique_item")]

    def __str__(self) -> str:
        return f"{self.item_text}：{self.get_result_display()}"


class Severity(models.TextChoices):
    MINOR = "minor", "一般"
    MAJOR = "major", "较重"
    SERIOUS = "serious", "严重"


class FindingSource(models.TextChoices):
    INSPECTION = "inspection", "抽查检查"
    COMPLAINT = "complaint", "投诉举报查实"
    WARNING = "warning", "预警核实"
    OTHER = "other", "其他"


class FindingStatus(models.TextChoices):
    OPEN = "open", "待整改"
    RECTIFIED = "rectified", "已整改"
    CLOSED = "closed", "已销号"


class Finding(models.Model):
    """A problem found by supervision, linked to its case and township; it feeds escalation (S7) and the
    township's score (S9)."""

    source = models.CharField("来源", max_length=12, choices=FindingSource.choices)
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    answer = models.ForeignKey(
        InspectionAnswer, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    complaint = models.ForeignKey(
        "supervision.Complaint", null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(max_length=12, db_index=True)
    township_code = models.CharField(max_length=12, db_index=True)
    county_code = models.CharField(max_length=12, db_index=True)
    severity = models.CharField("严重程度", max_length=8, choices=Severity.choices, default=Severity.MINOR)
    rule = models.CharField("依据", max_length=40, blank=True)
    description = models.TextField("问题描述", max_length=textlimits.PARAGRAPH)
    found_on = models.DateField("发现日期")
    status = models.CharField(
        "状态", max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    rectified_on = models.DateField("整改日期", null=True, blank=True)
    rectification = models.TextField("整改情况", blank=True, max_length=textlimits.PARAGRAPH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "检查发现问题"
        ordering = ["-found_on", "-id"]
        indexes = [models.Index(fields=["township_code", "found_on"])]

    def __str__(self) -> str:
        return self.description[:40]
