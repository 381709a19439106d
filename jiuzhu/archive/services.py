"""Writes of the archive app besides custody (see `custody.py`): printing a village's notice board, asking
for a household's archive download, and opening a finished download. Each is one function, in a
transaction, with an audit event; downloads of personal data are audited reads."""

from __future__ import annotations

from django.core.files import File
from django.db import transaction

from jiuzhu.archive import boards, tasks
from jiuzhu.core import audit, jobs
from jiuzhu.core.crypto.sealed import sealed_storage
from jiuzhu.core.errors import NotFound, ValidationFailed
from jiuzhu.core.models import Job, JobStatus
from jiuzhu.documents import compose
from jiuzhu.documents import services as documents
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, User
from jiuzhu.orgs.roles import OrgKind, Perm
from jiuzhu.registry.models import Household

BUNDLE_KIND = "household_archive"


def board_issue(*, by: User, village: Jurisdiction) -> IssuedDocument:
    """P2, S12: print the village's notice board as a numbered PDF with a QR code, issued by its township
    (which posts notices at the village). Its content holds masked data only (see `boards`)."""
    authz.require(by, Perm.CASE_PROCESS, village.code)
    board = boards.board_for(village.code)
    if board.township is None:
        raise ValidationFailed("未找到该村（社区）所属乡镇（街道）")
    township_org = compose.organisation(board.township.code, OrgKind.TOWNSHIP)
    return documents.document_issue(
        by=by,
        kind="notice_board",
        subject=village,
        context=board.context(),
        issuing_org=township_org,
        area_code=village.code,
        title=f"{village.name}社会救助公示栏",
    )


def bundle_request(*, by: User, household: Household) -> Job:
    """AR1: queue the archive download of a household's file (a zip of every stored PDF and attachment
    with a PDF index). The whole file is personal data: only roles that may see full personal data
    (PII_REVEAL) may ask, and the request is an audit event."""

    membership = authz.require(by, Perm.PII_REVEAL, household.area_code)
    with transaction.atomic():
        job = jobs.create(
            by=by, kind=BUNDLE_KIND, area_code=household.area_code, params={"household": household.pk}
        )
        audit.record(
            actor=by,
            membership=membership,
            action="archive.bundle_request",
            obj=household,
            after={"job": job.pk},
        )
        jobs.enqueue(tasks.build_household_archive, job)
    return job


def bundle_open(*, by: User, job: Job) -> File:
    """Open a finished archive for download; every download is an audited read (personal data)."""
    membership = authz.require(by, Perm.PII_REVEAL, job.area_code)
    if job.status != JobStatus.DONE:
        raise ValidationFailed("档案包尚未生成完成")
    path = job.result.get("path")
    if not path or not sealed_storage().exists(path):  # purged after `files.retention_days`
        raise NotFound("档案包已超过保存期限被删除，请重新生成")
    household = Household.objects.filter(pk=job.params.get("household")).first()
    with transaction.atomic():
        audit.record(
            actor=by,
            membership=membership,
            action="archive.bundle_download",
            obj=household,
            area_code=job.area_code,
            after={"job": job.pk, "sha256": job.result.get("sha256"), "files": job.result.get("files")},
        )
    return sealed_storage().open(path, "rb")
