"""Where each household's paper file is kept, and how it moved (AR1; seed 000: archives move when
approval authority is delegated)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class FileCustody(models.Model):
    """The organisation that keeps a household's paper file now (one row per household)."""

    household = models.OneToOneField(
        "registry.Household", on_delete=models.PROTECT, related_name="file_custody", verbose_name="家庭"
    )
    custodian = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="保管单位"
    )
    since = models.DateField("保管起始日")
    location = models.CharField("存放位置", max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "纸质档案保管"
        indexes = [models.Index(fields=["custodian"], name="custody_custodian")]

    def __str__(self) -> str:
        return f"{self.household} 档案由{self.custodian}保管"

    @property
    def area_code(self) -> str:
        return self.household.area_code


class CustodyBatch(models.Model):
    """A bulk transfer of paper files, e.g. all urban files of a county from the bureau to the street
    offices when authority was delegated (seed 000)."""

    county_code = models.CharField("县（区）", max_length=12, db_index=True)
    from_org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="移交单位"
    )
    urban_rural = models.CharField("城乡属性", max_length=5, blank=True)
    township_codes = models.JSONField("限定乡镇（街道）", default=list, blank=True)
    on = models.DateField("移交日期")
    basis = models.CharField("移交依据", max_length=200)
    moved = models.PositiveIntegerField("移交户数", default=0)
    skipped = models.PositiveIntegerField("未移交户数", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "档案批量移交"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"档案批量移交 {self.on}（{self.moved} 户）"

    @property
    def area_code(self) -> str:
        return self.county_code


class CustodyTransfer(models.Model):
    """One step of a file's custody history; the first one (no `from_org`) registers the file."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="custody_transfers"
    )
    from_org = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_org = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    on = models.DateField("移交日期")
    reason = models.CharField("原因", max_length=200)
    location = models.CharField("存放位置", max_length=100, blank=True)
    batch = models.ForeignKey(
        CustodyBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    area_code = models.CharField(max_length=12, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "档案移交记录"
        ordering = ["household_id", "on", "id"]

    def __str__(self) -> str:
        return f"{self.household} {self.from_org or '建档'} → {self.to_org} {self.on}"
