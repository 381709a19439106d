"""Bank file formats (B3): each bank wants its own columns, headers and encoding; a county keeps one format
per bank it pays through, next to the general layout every county starts with."""

from __future__ import annotations

from django.db import models, transaction

from jiuzhu.core import audit
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.payments.models import BankFormat

# The columns a format may choose from (field → the header it gets unless the bank wants another).
FIELDS = {
    "line": "序号",
    "reference": "参考号",
    "name": "户名",
    "account": "账号",
    "amount": "金额",
    "bank": "开户银行",
    "id_masked": "身份证号（脱敏）",
    "township": "乡镇（街道）",
    "village": "村（社区）",
    "type": "救助类型",
    "month": "发放月份",
    "remark": "摘要",
}
DEFAULT_COLUMNS = [
    {"header": FIELDS[f], "field": f}
    for f in ("line", "reference", "name", "account", "amount", "township", "village", "type", "month")
]


def load_default_format(model: type[BankFormat]) -> None:
    """The general layout (migration 0002 passes its historical model; tests that empty the database put it
    back the same way)."""
    model.objects.get_or_create(
        county_code="",
        name="通用格式",
        defaults={"columns": DEFAULT_COLUMNS, "encoding": "gb18030", "is_default": True},
    )


def formats_for(county_code: str) -> models.QuerySet[BankFormat]:
    return BankFormat.objects.filter(county_code__in=[county_code, ""]).order_by("-is_default", "name")


@transaction.atomic
def bank_format_save(
    *,
    by: User,
    county_code: str,
    name: str,
    fields: list[str],
    headers: dict[str, str] | None = None,
    encoding: str = "gb18030",
    is_default: bool = False,
    bank_format: BankFormat | None = None,
) -> BankFormat:
    membership = authz.require(by, Perm.PAYROLL_RUN, county_code)
    if not name.strip():
        raise ValidationFailed("请填写银行名称", field_errors={"name": "必填"})
    unknown = [f for f in fields if f not in FIELDS]
    if unknown or not fields:
        raise ValidationFailed("请选择文件的列", field_errors={"fields": "无效"})
    for required in ("account", "amount", "name"):
        if required not in fields:
            raise ValidationFailed(
                f"银行文件必须包含“{FIELDS[required]}”列", field_errors={"fields": "缺少必需列"}
            )
    if encoding not in ("gb18030", "utf-8"):
        raise ValidationFailed("编码应为 gb18030 或 utf-8")
    columns = [{"header": (headers or {}).get(f) or FIELDS[f], "field": f} for f in fields]
    row = bank_format or BankFormat(county_code=county_code)
    if row.pk and row.county_code != county_code:
        raise ValidationFailed("只能修改本县（区）的格式")
    row.name, row.columns, row.encoding, row.is_default = name.strip(), columns, encoding, is_default
    row.save()
    if is_default:
        BankFormat.objects.filter(county_code=county_code).exclude(pk=row.pk).update(is_default=False)
    audit.record(
        actor=by,
        membership=membership,
        action="payroll.bank_format",
        obj=row,
        area_code=county_code,
        after={"name": row.name, "columns": columns, "encoding": encoding},
    )
    return row
