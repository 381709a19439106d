"""Stored bank files (full account numbers, PI1): sealed at rest (their FileField uses the sealed storage),
opened only for a download by someone who may make them — each download an audit event — and deleted after
`files.retention_days`; the record (lines, total, checksum) stays."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import IO

from django.db import transaction

from jiuzhu.core import audit, retention
from jiuzhu.core.errors import NotFound
from jiuzhu.orgs import authz
from jiuzhu.orgs.roles import Perm
from jiuzhu.payments.models import BankFile

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}

audit.register_actions(
    {
        "payroll.bank_file_download": "下载银行发放文件",
        "payroll.bank_file_purge": "按保存期限删除银行发放文件",
    }
)


def get_bank_file(user, pk: int) -> BankFile:
    found = (
        BankFile.objects.filter(authz.scope_q(user, "county_code"), pk=pk)
        .select_related("bank_format")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def download_name(bank_file: BankFile) -> str:
    return (bank_file.file.name or "").rsplit("/", 1)[
        -1
    ] or f"银行发放文件-{bank_file.pk}.{bank_file.file_type}"


def bank_file_open(*, by, bank_file: BankFile) -> IO[bytes]:
    """Decrypt a stored bank file for its download; the download is logged."""
    membership = authz.require(by, Perm.PAYROLL_RUN, bank_file.area_code)
    if not bank_file.file:
        raise NotFound("该银行文件已按保存期限删除，请重新导出")
    handle = bank_file.file.open("rb")
    with transaction.atomic():
        audit.record(
            actor=by,
            membership=membership,
            action="payroll.bank_file_download",
            obj=bank_file,
            area_code=bank_file.area_code,
            after={"sha256": bank_file.sha256, "lines": bank_file.lines},
        )
    return handle


def bank_files_referenced() -> set[str]:
    return set(BankFile.objects.exclude(file="").values_list("file", flat=True))


def purge_bank_files(now: datetime) -> list[retention.Purged]:
    days = retention.RetentionDays()
    done = []
    candidates = (
        BankFile.objects.exclude(file="").filter(created_at__lt=now - timedelta(days=1)).order_by("pk")
    )
    for bank_file in candidates.iterator():
        if not retention.expired(bank_file.created_at, bank_file.county_code, days, now):
            continue
        name = bank_file.file.name
        with transaction.atomic():
            BankFile.objects.filter(pk=bank_file.pk).update(file="")
            audit.record(
                actor=None,
                action="payroll.bank_file_purge",
                obj=bank_file,
                area_code=bank_file.area_code,
                after={
                    "file": name,
                    "sha256": bank_file.sha256,
                    "retention_days": days(bank_file.county_code),
                },
            )
        retention.delete_stored([name])
        done.append(retention.Purged("bank_file", str(bank_file.pk), (name,)))
    return done
