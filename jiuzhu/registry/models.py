"""Households, members, income, assets and the near-relative registry (A1, A3, DM2, AR1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jiuzhu.core import textlimits
from jiuzhu.core.masking import household_name, mask_name


class UrbanRural(models.TextChoices):
    URBAN = "urban", "城镇"
    RURAL = "rural", "农村"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    SIBLING = "sibling", "兄弟姐妹"
    GRANDCHILD = "grandchild", "孙子女/外孙子女"
    GRANDPARENT = "grandparent", "祖父母/外祖父母"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    OTHER = "other", "其他"


class Disability(models.TextChoices):
    NONE = "", "无"
    VISUAL = "visual", "视力残疾"
    HEARING = "hearing", "听力残疾"
    SPEECH = "speech", "言语残疾"
    PHYSICAL = "physical", "肢体残疾"
    INTELLECTUAL = "intellectual", "智力残疾"
    MENTAL = "mental", "精神残疾"
    MULTIPLE = "multiple", "多重残疾"


class WorkAbility(models.TextChoices):
    FULL = "full", "有劳动能力"
    PARTIAL = "partial", "部分丧失劳动能力"
    NONE = "none", "完全丧失劳动能力"
    NOT_APPLICABLE = "na", "未成年/老年（不适用）"


class Schooling(models.TextChoices):
    NONE = "", "不在学"
    PRESCHOOL = "preschool", "学前教育"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中/中职"
    COLLEGE = "college", "大学及以上"


class Employment(models.TextChoices):
    EMPLOYED = "employed", "在业"
    FLEXIBLE = "flexible", "灵活就业"
    FARMING = "farming", "务农"
    UNEMPLOYED = "unemployed", "失业"
    RETIRED = "retired", "退休"
    STUDENT = "student", "在校学生"
    NONE = "none", "无业/不适用"


class LeftReason(models.TextChoices):
    MOVED = "moved", "迁出"
    DECEASED = "deceased", "死亡"
    SEPARATED = "separated", "分户"
    TRANSFER = "transfer", "迁移至他户"
    OTHER = "other", "其他"


class Household(models.Model):
    """One applying family (申请家庭). `area_code` is the village/community of habitual residence."""

    area_code = models.CharField("居住村（社区）", max_length=12, db_index=True)
    address = models.CharField("住址", max_length=200)
    urban_rural = models.CharField("城乡属性", max_length=5, choices=UrbanRural.choices)
    hukou_area_code = models.CharField("户籍地区划代码", max_length=12, blank=True)
    hukou_address = models.CharField("户籍地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    head_name = models.CharField("户主姓名", max_length=60, blank=True)
    head_id_masked = models.CharField("户主身份证号（脱敏）", max_length=18, blank=True)
    external_key = models.CharField("外部户编号", max_length=40, blank=True)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "家庭"
        ordering = ["-id"]
        indexes = [models.Index(fields=["external_key"], name="household_external_key")]

    def __str__(self) -> str:
        return household_name(self.head_name)

    @property
    def township_code(self) -> str:
        return self.area_code[:9] + "000"


class Member(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    area_code = models.CharField(
        max_length=12, db_index=True
    )  # copy of the household's, for scoping at scale
    # Name search is "contains" (LIKE '%…%'), which a b-tree cannot serve; the ID blind index is searched by
    # equality only, so it gets a plain b-tree without the pattern-ops twin that db_index adds on PostgreSQL.
    name = models.CharField("姓名", max_length=60)
    id_cipher = models.TextField()
    id_index = models.CharField(max_length=64)
    id_masked = models.CharField("身份证号", max_length=18)
    birth_date = models.DateField("出生日期")
    sex = models.CharField("性别", max_length=1, choices=[("M", "男"), ("F", "女")])
    relation = models.CharField("与户主关系", max_length=14, choices=Relation.choices)
    hukou_area_code = models.CharField("户籍地区划代码", max_length=12, blank=True)
    disability = models.CharField("残疾类别", max_length=14, choices=Disability.choices, blank=True)
    disability_grade = models.PositiveSmallIntegerField("残疾等级", null=True, blank=True)
    work_ability = models.CharField(
        "劳动能力", max_length=8, choices=WorkAbility.choices, default=WorkAbility.FULL
    )
    serious_illness = models.BooleanField("患重特大疾病", default=False)
    illness_note = models.CharField("疾病情况", max_length=200, blank=True)
    schooling = models.CharField("在学情况", max_length=10, choices=Schooling.choices, blank=True)
    employment = models.CharField(
        "就业状况", max_length=12, choices=Employment.choices, default=Employment.NONE
    )
    covered = models.BooleanField("计入保障人数", default=True)
    covered_note = models.CharField("不计入原因", max_length=200, blank=True)
    is_active = models.BooleanField("在户", default=True)
    left_on = models.DateField("离户日期", null=True, blank=True)
    left_reason = models.CharField("离户原因", max_length=10, choices=LeftReason.choices, blank=True)
    # Set only by migration 0003 on the later rows of a person who was already active in two households
    # when the one-household rule came: those rows stay (a person cannot be un-registered by a migration)
    # and are listed by `list_duplicate_members` and the S6 warning until staff resolve them.
    duplicate_before_rule = models.BooleanField(
        "规则施行前的重复登记", default=False, db_default=False, editable=False
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "家庭成员"
        ordering = ["household_id", "relation", "id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "id_index"], name="member_unique_id_in_household"),
            # A1: one person is an active member of one household at most.
            models.UniqueConstraint(
                fields=["id_index"],
                condition=models.Q(is_active=True, duplicate_before_rule=False),
                name="member_one_active_household",
            ),
        ]
        indexes = [models.Index(fields=["id_index"], name="member_id_index")]

    def __str__(self) -> str:
        return mask_name(self.name)

    @property
    def is_head(self) -> bool:
        return self.relation == Relation.HEAD


class IncomeCategory(models.TextChoices):
    WAGE = "wage", "工资性收入"
    BUSINESS = "business", "经营净收入"
    PROPERTY = "property", "财产净收入"
    TRANSFER = "transfer", "转移净收入"
    OTHER = "other", "其他收入"


class IncomeItem(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="incomes")
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="incomes"
    )
    category = models.CharField("类别", max_length=10, choices=IncomeCategory.choices)
    description = models.CharField("说明", max_length=200)
    monthly_amount = models.DecimalField("月均金额（元）", max_digits=12, decimal_places=2)
    excluded = models.BooleanField("政策规定不计入", default=False)
    excluded_reason = models.CharField("不计入依据", max_length=200, blank=True)
    # The first month of a new job: its wage is not counted for the first N months (N2).
    started_on = models.DateField("开始就业日期", null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "收入"
        ordering = ["household_id", "id"]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.monthly_amount}"


class ExpenseKind(models.TextChoices):
    MEDICAL = "medical", "自付医疗费用"
    DISABILITY = "disability", "残疾康复护理支出"
    SCHOOLING = "schooling", "教育支出"


class RigidExpense(models.Model):
    """Rigid spending (刚性支出) a household paid: what a county may deduct from income and what the
    刚性支出困难 test of a low-income recognition adds up over the last 12 months (N1, N2)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="expenses")
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="expenses"
    )
    kind = models.CharField("类别", max_length=10, choices=ExpenseKind.choices)
    description = models.CharField("说明", max_length=200)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    paid_on = models.DateField("支出日期")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "刚性支出"
        ordering = ["household_id", "-paid_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class AssetKind(models.TextChoices):
    HOUSING = "housing", "房产"
    LAND = "land", "土地"
    VEHICLE = "vehicle", "机动车辆"
    DEPOSIT = "deposit", "存款"
    FINANCIAL = "financial", "有价证券/理财等金融资产"
    COMPANY = "company", "企业出资/注册资本"
    OTHER = "other", "其他财产"


class Asset(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="assets")
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    kind = models.CharField("类别", max_length=10, choices=AssetKind.choices)
    description = models.CharField("说明", max_length=200)
    quantity = models.DecimalField("数量/面积", max_digits=12, decimal_places=2, null=True, blank=True)
    unit = models.CharField("单位", max_length=10, blank=True)
    value = models.DecimalField("估值（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "财产"
        ordering = ["household_id", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.description}"


class RelativeRole(models.TextChoices):
    STAFF = "staff", "社会救助经办人员"
    VILLAGE_COMMITTEE = "village_committee", "村（居）民委员会成员"


class NearRelative(models.Model):
    """The registry of close relatives of assistance staff and village committee members (DM2)."""

    area_code = models.CharField("所属区划", max_length=12, db_index=True)
    official_name = models.CharField("工作人员姓名", max_length=60)
    official_role = models.CharField("身份", max_length=20, choices=RelativeRole.choices)
    official_unit = models.CharField("所在单位", max_length=120)
    relative_name = models.CharField("近亲属姓名", max_length=60)
    relative_id_cipher = models.TextField()
    relative_id_index = models.CharField(max_length=64)
    relative_id_masked = models.CharField("近亲属身份证号", max_length=18)
    relation = models.CharField("关系", max_length=40)
    registered_on = models.DateField("登记日期")
    is_active = models.BooleanField(default=True)
    # Kept on the row (not only in the audit trail) so the register itself shows why an entry stopped.
    deactivated_on = models.DateField("停用日期", null=True, blank=True)
    deactivate_reason = models.CharField("停用原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "近亲属名册"
        ordering = ["area_code", "official_name"]
        indexes = [models.Index(fields=["relative_id_index"], name="relative_id_index")]

    def __str__(self) -> str:
        return f"{self.official_name}的{self.relation}{mask_name(self.relative_name)}"


class DiscoveryStatus(models.TextChoices):
    OPEN = "open", "待征得同意"
    CONVERTED = "converted", "已转为申请"
    DECLINED = "declined", "本户不同意申请"
    CLOSED = "closed", "已关闭"


class DiscoveryReport(models.Model):
    """A village reports a household in difficulty (主动发现, A2)."""

    area_code = models.CharField("村（社区）", max_length=12, db_index=True)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="discoveries"
    )
    family_name = models.CharField("家庭联系人", max_length=60)
    address = models.CharField("住址", max_length=200)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    situation = models.TextField("困难情况", max_length=textlimits.PARAGRAPH)
    suggested_type = models.CharField("建议救助类型", max_length=20, blank=True)
    reported_on = models.DateField("发现日期")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "状态", max_length=10, choices=DiscoveryStatus.choices, default=DiscoveryStatus.OPEN
    )
    consent_on = models.DateField("同意申请日期", null=True, blank=True)
    closed_note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "主动发现报告"
        ordering = ["-reported_on", "-id"]

    def __str__(self) -> str:
        return f"主动发现：{mask_name(self.family_name)}（{self.reported_on}）"
