from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from jiuzhu.core import textlimits
from jiuzhu.core.jurisdiction_codes import PREFIX_LENGTH
from jiuzhu.core.types import Category
from jiuzhu.orgs.roles import OrgKind, Role


class Level(models.IntegerChoices):
    PROVINCE = 1, "省"
    CITY = 2, "市"
    COUNTY = 3, "县（区）"
    TOWNSHIP = 4, "乡镇（街道）"
    VILLAGE = 5, "村（社区）"


class UrbanRural(models.TextChoices):
    URBAN = "urban", "城镇"
    RURAL = "rural", "农村"


class Jurisdiction(models.Model):
    """A node of the administrative tree, identified by its 12-digit statistical code."""

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=60)
    level = models.PositiveSmallIntegerField("层级", choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField("类别", max_length=10, blank=True, help_text="乡、镇、街道、村、社区等")
    urban_rural = models.CharField("城乡属性", max_length=5, choices=UrbanRural.choices, blank=True)

    class Meta:
        verbose_name = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]

    @property
    def area_code(self) -> str:
        return self.code

    @property
    def is_township(self) -> bool:
        return self.level == Level.TOWNSHIP

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)


class Organisation(models.Model):
    name = models.CharField("名称", max_length=120)
    kind = models.CharField("类型", max_length=12, choices=OrgKind.choices)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="organisations")
    phone = models.CharField("联系电话", max_length=40, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)

    class Meta:
        verbose_name = "组织机构"
        ordering = ["jurisdiction_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "kind", "name"], name="org_unique_name_per_place")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def area_code(self) -> str:
        return self.jurisdiction_id


class User(AbstractUser):
    """A staff account. What it may see and do comes from its memberships."""

    full_name = models.CharField("姓名", max_length=60, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    # Identity (等保 身份鉴别, orgs.passwords / orgs.mfa): when the password was last set, whether it is a
    # temporary one to be changed at the next login, and a stamp whose change ends every open session.
    password_changed_at = models.DateTimeField("密码设置时间", null=True, blank=True)
    must_change_password = models.BooleanField("须修改密码", default=False)
    security_stamp = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        verbose_name = "用户"

    def get_full_name(self) -> str:
        return self.full_name or self.get_username()

    def get_short_name(self) -> str:
        return self.full_name or self.get_username()

    def get_session_auth_hash(self) -> str:
        # Sessions carry this hash and end when it changes: with the password (Django's default) and with
        # the security stamp (deactivation, a second factor reset).
        return super().get_session_auth_hash() + self.security_stamp


class Membership(models.Model):
    """A user's role in one organisation. A user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    is_active = models.BooleanField("有效", default=True)
    confidentiality_signed_on = models.DateField("保密协议签订日期", null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "岗位"
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_role_display()}"

    @property
    def area_code(self) -> str:
        return self.organisation.jurisdiction_id


class GrantPhase(models.TextChoices):
    PILOT = "pilot", "试点"
    BATCH = "batch", "分批推开"
    FULL = "full", "全面推开"


class DelegationGrant(models.Model):
    """Approval authority for one category delegated to one township for a period (D1, D2)."""

    township = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="delegation_grants", verbose_name="乡镇（街道）"
    )
    category = models.CharField("救助类别", max_length=12, choices=Category.choices)
    valid_from = models.DateField("委托起始日")
    valid_to = models.DateField("委托截止日", null=True, blank=True, help_text="留空表示长期有效")
    letter_no = models.CharField("委托书文号", max_length=60)
    signed_on = models.DateField("委托书签署日期")
    letter_file = models.FileField("委托书扫描件", upload_to="delegation/%Y/", blank=True)
    phase = models.CharField("推进阶段", max_length=8, choices=GrantPhase.choices)
    revoked_on = models.DateField("撤销生效日", null=True, blank=True)
    revoke_reason = models.TextField("撤销原因", blank=True, max_length=textlimits.PARAGRAPH)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "审批权限委托"
        ordering = ["township_id", "category", "valid_from"]
        indexes = [models.Index(fields=["township", "category", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.township.name} {self.get_category_display()} {self.letter_no}"

    @property
    def area_code(self) -> str:
        return self.township_id


class DelegationSuspension(models.Model):
    """A period during which a grant does not apply (D4). Open-ended until lifted."""

    grant = models.ForeignKey(DelegationGrant, on_delete=models.CASCADE, related_name="suspensions")
    start = models.DateField("暂停起始日")
    end = models.DateField("恢复前最后一日", null=True, blank=True)
    reason = models.TextField("暂停原因", max_length=textlimits.PARAGRAPH)
    created_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    lifted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField("恢复说明", blank=True, max_length=textlimits.PARAGRAPH)

    class Meta:
        verbose_name = "委托暂停"
        ordering = ["start"]

    def __str__(self) -> str:
        return f"{self.grant} 暂停 {self.start}"

    @property
    def area_code(self) -> str:
        return self.grant.township_id


class ApiToken(models.Model):
    """A personal token for integrations. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=80)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "个人访问令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}"


class PasswordHistory(models.Model):
    """The hashes of an account's previous passwords: the last few may not be used again (orgs.passwords)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    set_at = models.DateTimeField()

    class Meta:
        verbose_name = "历史密码"
        ordering = ["-set_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.set_at:%Y-%m-%d}"


class SecondFactor(models.Model):
    """A TOTP authenticator (RFC 6238) of one account. The secret is encrypted at rest like ID numbers; the
    time step last accepted is kept so that a code cannot be used twice (orgs.mfa)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="second_factor")
    secret_cipher = models.TextField()
    confirmed_at = models.DateTimeField()
    last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "动态口令"

    def __str__(self) -> str:
        return f"{self.user} TOTP"


class RecoveryCode(models.Model):
    """A one-time code for a lost authenticator. Only its hash is stored; it is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=80)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "恢复码"

    def __str__(self) -> str:
        return f"{self.user} 恢复码{'（已用）' if self.used_at else ''}"
