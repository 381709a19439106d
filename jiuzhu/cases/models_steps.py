"""Records of the procedure's steps (A5, A6, I1, R1, P1–P8). Each records who and when; dates are never
in the future and never before the previous step.

They live apart from the application and its intake records (`models.py`), which import them so that Django
registers them; they name the case by its label ("cases.Case") so that the import runs one way only."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jiuzhu.core import textlimits
from jiuzhu.core.types import LowIncomeCategory


class StepKind(models.TextChoices):
    ACCEPT = "accept", "受理"
    PRE_VERIFY = "pre_verify", "申请前核对"
    VERIFY_REQUEST = "verify_request", "发起经济状况核对"
    VERIFY_RESULT = "verify_result", "核对结果"
    INVESTIGATE = "investigate", "入户调查"
    MARK_DISPUTED = "mark_disputed", "标记为有争议"
    REVIEW = "review", "民主评议"
    TOWNSHIP_REVIEW = "township_review", "乡镇审核"
    RETURN = "return", "民政局退回乡镇"
    DECIDE = "decide", "审批会议"
    FILE = "file", "报民政局备案"
    NOTICE_START = "notice_start", "张榜公示"
    OBJECTION = "objection", "登记异议"
    OBJECTION_HANDLED = "objection_handled", "异议处理"
    FINAL = "final", "公示期满作出决定"
    EMERGENCY_AID = "emergency_aid", "急难先行救助"
    EMERGENCY_REGISTER = "emergency_register", "补办登记"
    WITHDRAW = "withdraw", "撤回"


class CaseStep(models.Model):
    """A dated step on the case's timeline; the detailed record, if any, points here."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    on = models.DateField("日期")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, max_length=textlimits.PARAGRAPH)
    created_at = models.DateTimeField()
    # Set when the step was dated further back than the policy allows, through an approved 补录 request.
    backfill = models.ForeignKey(
        "cases.BackfillRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="steps"
    )

    class Meta:
        verbose_name = "办理环节"
        ordering = ["case_id", "on", "id"]
        indexes = [models.Index(fields=["case", "kind"])]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()} {self.on}"

    @property
    def area_code(self) -> str:
        return self.case.area_code


class VerifyResult(models.TextChoices):
    PASS = "pass", "符合"
    FAIL = "fail", "不符合"


class Verification(models.Model):
    """Household economic verification (核对, A5). Its data is visible only to designated verification staff
    and the case's handlers; every view is logged (A6). Its duration does not count toward P7."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="verifications")
    before_application = models.BooleanField("申请前核对（聊城）", default=False)
    requested_on = models.DateField("发起日期")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField("完成日期", null=True, blank=True)
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField("结果", max_length=4, choices=VerifyResult.choices, blank=True)
    monthly_income = models.DecimalField(
        "核对家庭月收入（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    per_capita_income = models.DecimalField(
        "人均月收入（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    assets_value = models.DecimalField(
        "核对家庭财产（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    # The household's registered monthly income when the result was entered, and whether the verified
    # figure differs from it by more than the parameter (the caseworker is asked to look into it).
    registered_income = models.DecimalField(
        "登记家庭月收入（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    income_flagged = models.BooleanField("核对收入与登记收入差异较大", default=False)
    findings = models.TextField("核对情况与理由", blank=True, max_length=textlimits.PARAGRAPH)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "经济状况核对"
        ordering = ["case_id", "requested_on", "id"]

    def __str__(self) -> str:
        return f"{self.case} 核对 {self.requested_on}"


class Investigation(models.Model):
    """Home investigation by ≥2 township staff with the village's help (I1). Photos and video are
    attachments owned by this record."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="investigations")
    visited_on = models.DateField("入户日期")
    investigators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name="调查人员"
    )
    village_helper = models.CharField("村（居）协助人员", max_length=60, blank=True)
    home_visit = models.TextField("入户核查情况", max_length=textlimits.RECORD)
    neighbour_interviews = models.TextField("邻里走访情况", blank=True, max_length=textlimits.RECORD)
    letters = models.TextField("信函索证情况", blank=True, max_length=textlimits.RECORD)
    conclusion = models.TextField("调查结论", max_length=textlimits.PARAGRAPH)
    investigators_signed = models.BooleanField("调查人员已签字", default=False)
    applicant_signed = models.BooleanField("申请人已签字", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "入户调查"

    def __str__(self) -> str:
        return f"{self.case} 入户调查 {self.visited_on}"


class Review(models.Model):
    """Democratic review (民主评议, R1): a panel of an allowed size, chaired by township staff."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField("评议日期")
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="主持人"
    )
    panel = models.JSONField("评议小组成员", default=list)  # names
    minutes = models.TextField("评议记录", max_length=textlimits.RECORD)
    votes_for = models.PositiveSmallIntegerField("认可票数")
    votes_against = models.PositiveSmallIntegerField("不认可票数")
    all_signed = models.BooleanField("全体成员已签字确认", default=False)
    triggered_by = models.CharField("评议原因", max_length=20)  # profile / disputed / objection
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "民主评议"

    def __str__(self) -> str:
        return f"{self.case} 民主评议 {self.held_on}"

    @property
    def passed(self) -> bool:
        return self.votes_for > self.votes_against


class Outcome(models.TextChoices):
    APPROVE = "approve", "同意"
    REJECT = "reject", "不同意"


class MeetingLevel(models.TextChoices):
    TOWNSHIP_DECISION = "township_decision", "乡镇（街道）受委托审批会议"
    TOWNSHIP_REVIEW = "township_review", "乡镇（街道）审核会议"
    BUREAU_DECISION = "bureau_decision", "民政局审批会议"


class DecisionMeeting(models.Model):
    """A decision meeting (审批会议, P1) — or on the two-level route the township's review meeting and the
    bureau's decision. Records the route in force that day (D1, D3)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="meetings")
    level = models.CharField(max_length=20, choices=MeetingLevel.choices)
    held_on = models.DateField("会议日期")
    attendees = models.JSONField("参会人员", default=list)  # [{"name":…, "title":…}]
    minutes = models.TextField("会议记录", max_length=textlimits.RECORD)
    outcome = models.CharField("意见", max_length=8, choices=Outcome.choices)
    amount = models.DecimalField(
        "保障/救助金额（元/月或一次性）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    covered_members = models.PositiveSmallIntegerField("保障人数", null=True, blank=True)
    basis = models.TextField("计算依据", blank=True)  # the calculator's breakdown (B1, B2)
    reasons = models.TextField("理由", blank=True, max_length=textlimits.PARAGRAPH)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="签批人"
    )
    route = models.CharField("审批路径", max_length=10)  # township / bureau
    route_reason = models.TextField(blank=True)
    grant_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "审批会议"
        ordering = ["case_id", "held_on", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_level_display()} {self.held_on}"


class PublicNotice(models.Model):
    """The public notice (公示, P2) at the township and the village; names and ID numbers masked."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="public_notices")
    start_on = models.DateField("公示开始")
    end_on = models.DateField("公示截止")
    places = models.CharField("公示地点", max_length=200)
    content = models.TextField("公示内容（已脱敏）")
    closed_on = models.DateField("结束日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "公示"
        ordering = ["case_id", "start_on"]

    def __str__(self) -> str:
        return f"{self.case} 公示 {self.start_on}–{self.end_on}"


class ObjectionOutcome(models.TextChoices):
    UNFOUNDED = "unfounded", "异议不成立，维持原意见"
    FOUNDED = "founded", "异议成立，重新审批"


class Objection(models.Model):
    """An objection raised during the notice (P3)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="objections")
    notice = models.ForeignKey(PublicNotice, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField("收到日期")
    raised_by = models.CharField("异议人", max_length=60, blank=True)
    contact = models.CharField("联系方式", max_length=60, blank=True)
    content = models.TextField("异议内容", max_length=textlimits.PARAGRAPH)
    handled_on = models.DateField("处理日期", null=True, blank=True)
    outcome = models.CharField("处理结果", max_length=10, choices=ObjectionOutcome.choices, blank=True)
    handling = models.TextField("复核情况", blank=True, max_length=textlimits.PARAGRAPH)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "公示异议"

    def __str__(self) -> str:
        return f"{self.case} 异议 {self.received_on}"


class Decision(models.Model):
    """The final approval or rejection (P3, P4), with everything enrolment will need — amount, basis, the
    members covered and the first month paid — so that benefits never reads the meetings.

    Per D1 a delegated decision names the bureau as the deciding authority and the township as the
    handling unit."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    decided_on = models.DateField("决定日期")
    route = models.CharField("审批路径", max_length=10)
    authority_name = models.CharField("审批机关", max_length=120)
    handling_unit_name = models.CharField("承办单位", max_length=120, blank=True)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    basis = models.TextField("计算依据", blank=True)
    covered_members = models.PositiveSmallIntegerField("保障人数", null=True, blank=True)
    covered_member_ids = models.JSONField(default=list)
    start_month = models.DateField("发放起始月", null=True, blank=True)  # first day of the month
    # A 低收入 recognition: which category it recognised (blank for the other types).
    low_income_category = models.CharField(
        "低收入类别", max_length=14, choices=LowIncomeCategory.choices, blank=True
    )
    reasons = models.TextField("理由", blank=True, max_length=textlimits.PARAGRAPH)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "审批决定"

    def __str__(self) -> str:
        return f"{self.case} {self.get_outcome_display()}"


class EmergencyAid(models.Model):
    """急难型临时救助 (P8): aid paid first, within the hour limit; registration within N working days."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="emergency")
    requested_at = models.DateTimeField("求助时间")
    paid_at = models.DateTimeField("先行救助时间")
    amount = models.DecimalField("救助金额（元）", max_digits=12, decimal_places=2)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    late = models.BooleanField("超过先行救助时限", default=False)
    register_due_on = models.DateField("补办登记截止日")
    registered_on = models.DateField("补办登记日期", null=True, blank=True)
    registration_late = models.BooleanField("补办登记逾期", default=False)
    recipient_note = models.TextField("救助对象、事由", blank=True, max_length=textlimits.PARAGRAPH)
    signatures_completed = models.BooleanField("签字盖章已补齐", default=False)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "急难先行救助"

    def __str__(self) -> str:
        return f"{self.case} 先行救助 {self.amount}"
