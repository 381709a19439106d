"""Applications (cases) and what intake records about them (A1–A4, DM2): the checks, the materials checklist
and what was received, signatures, written notices and near-relative filings."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# The step records live in their own module; importing them here registers them with Django.
from jiuzhu.cases.models_steps import (  # noqa: F401
    CaseStep,
    Decision,
    DecisionMeeting,
    EmergencyAid,
    Investigation,
    Objection,
    PublicNotice,
    Review,
    Verification,
)
from jiuzhu.cases.states import State, state_label
from jiuzhu.core.types import AssistanceType, category_of
from jiuzhu.registry.models import Household, Member, NearRelative


class Channel(models.TextChoices):
    COUNTER = "counter", "乡镇（街道）窗口受理"
    VILLAGE = "village", "村（居）代为申请"
    DISCOVERY = "discovery", "主动发现转申请"
    ONLINE = "online", "网上申请"


class Case(models.Model):
    number = models.CharField("申请编号", max_length=20, unique=True)
    assistance_type = models.CharField("救助类型", max_length=20, choices=AssistanceType.choices)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="cases")
    applicant = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name="申请人")
    area_code = models.CharField(max_length=12, db_index=True)
    township_code = models.CharField("受理乡镇（街道）", max_length=12, db_index=True)
    county_code = models.CharField(max_length=12, db_index=True)
    channel = models.CharField("申请渠道", max_length=10, choices=Channel.choices)
    applied_on = models.DateField("申请日期")
    reason = models.TextField("申请原因")
    requested_amount = models.DecimalField(
        "申请金额（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField("状态", max_length=20, choices=State.choices, db_index=True)
    profile = models.CharField("办理流程", max_length=20, blank=True)
    version = models.PositiveIntegerField(default=1)
    has_near_relative = models.BooleanField("涉及近亲属", default=False)
    disputed = models.BooleanField("有争议", default=False)
    disputed_reason = models.CharField("争议情况", max_length=300, blank=True)
    discovery = models.ForeignKey(
        "registry.DiscoveryReport", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "救助申请"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["township_code", "status"]),
            models.Index(fields=["county_code", "status"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def status_label(self) -> str:
        return state_label(self.status)

    @property
    def category(self) -> str:
        return category_of(self.assistance_type)


class CaseNumberSequence(models.Model):
    """Numbers staff can read out on the phone and families can write down: county code + year + sequence,
    allocated under a row lock so that two applications never share one."""

    county_code = models.CharField(max_length=6)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county_code", "year"], name="case_seq_unique")]

    def __str__(self) -> str:
        return f"{self.county_code}-{self.year}: {self.last}"


class CheckCode(models.TextChoices):
    OTHER_HOUSEHOLD = "other_household", "成员已在其他家庭登记"
    OPEN_CASE = "open_case", "成员有其他在办申请"
    ENROLLED = "enrolled", "成员正在享受救助"
    NEAR_RELATIVE = "near_relative", "涉及社会救助经办人员或村（居）委会成员近亲属"
    WRONG_TOWNSHIP = "wrong_township", "受理地既非户籍地也非经常居住地"


class IntakeCheck(models.Model):
    """A finding of the checks at intake, stored on the case with its reason, so that staff see why a case
    was flagged and a later re-run can clear it (A1, DM2)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="checks")
    code = models.CharField(max_length=20, choices=CheckCode.choices)
    message = models.TextField()
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)  # when a re-run no longer finds it

    class Meta:
        verbose_name = "受理检查结果"
        ordering = ["case_id", "code", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_code_display()}"


class MaterialRequirement(models.Model):
    """The materials checklist per assistance type, as policy data (A3). `shared` items are obtained by
    data sharing between departments and are never demanded from the applicant."""

    assistance_type = models.CharField(max_length=20, choices=AssistanceType.choices)
    code = models.CharField(max_length=40)
    name = models.CharField("材料", max_length=120)
    required = models.BooleanField("必需", default=True)
    shared = models.BooleanField("可通过数据共享获取", default=False)
    per_member = models.BooleanField("每位成员一份", default=False)
    note = models.CharField("说明", max_length=200, blank=True)
    sort = models.PositiveSmallIntegerField(default=100)
    scope_code = models.CharField(max_length=12, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "申请材料清单"
        ordering = ["assistance_type", "sort", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assistance_type", "code", "scope_code"], name="material_requirement_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CaseMaterial(models.Model):
    """A material received for a case; its scans are attachments owned by this row."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    requirement = models.ForeignKey(MaterialRequirement, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField("收到日期")
    note = models.CharField("说明", max_length=200, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "已收材料"
        constraints = [
            models.UniqueConstraint(fields=["case", "requirement", "member"], name="case_material_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.requirement}"

    @property
    def area_code(self) -> str:
        return self.case.area_code


class SignatureKind(models.TextChoices):
    COMMITMENT = "commitment", "承诺书"
    AUTHORISATION = "authorisation", "家庭经济状况核对授权书"


class Signature(models.Model):
    """A member's signed commitment letter or verification authorisation (A3)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="signatures")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=14, choices=SignatureKind.choices)
    signed_on = models.DateField("签署日期")
    online = models.BooleanField("网上确认", default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "签署记录"
        constraints = [models.UniqueConstraint(fields=["case", "member", "kind"], name="signature_unique")]

    def __str__(self) -> str:
        return f"{self.case} {self.member} {self.get_kind_display()}"


class NoticeKind(models.TextChoices):
    MISSING_MATERIALS = "missing_materials", "一次性告知书"
    NOT_ELIGIBLE = "not_eligible", "不予受理告知书"


class CaseNotice(models.Model):
    """A written notice at intake (A4): every missing item at once, or the reasons for not accepting."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    items = models.JSONField(default=list)
    issued_on = models.DateField("告知日期")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "告知书"
        ordering = ["case_id", "-created_at"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()}"

    @property
    def area_code(self) -> str:
        return self.case.area_code


class NearRelativeFiling(models.Model):
    """The filing record (近亲属备案) that a flagged case needs before any decision (DM2)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="filings")
    relative = models.ForeignKey(NearRelative, on_delete=models.PROTECT, related_name="filings")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    filed_on = models.DateField("备案日期")
    note = models.CharField("备案说明", max_length=300)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "近亲属备案"
        constraints = [models.UniqueConstraint(fields=["case", "relative"], name="filing_unique")]

    def __str__(self) -> str:
        return f"{self.case} 近亲属备案"
