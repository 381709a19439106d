"""The household import as a background job: an upload is checked at once (type, size) and queued for a
preview — every row checked, nothing written; the user then commits the previewed file (all, or the good
households only), which is checked again before anything is written. The page and the API both start it
here."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django_tasks import task

from jiuzhu.core import jobs, tables
from jiuzhu.core.errors import Forbidden, ValidationFailed
from jiuzhu.core.models import Job
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.imports import checking, layout, report, writing
from jiuzhu.registry.selectors import IMPORT_KIND

MODES = ("all", "good_only")


def import_start(*, by: User, upload: UploadedFile) -> Job:
    """Store the upload and queue its preview (refused at once: a file that is not a table, or too big)."""
    membership = authz.require(by, Perm.DATA_IMPORT)
    tables.check_table(upload.name or "", upload)
    job = jobs.create(
        by=by,
        kind=IMPORT_KIND,
        area_code=membership.organisation.jurisdiction_id if membership else "",
        params={"filename": upload.name, "mode": "preview"},
        upload=upload,
    )
    jobs.enqueue(import_households, job)
    return job


def import_commit(*, by: User, preview: Job, mode: str) -> Job:
    """Queue the writing of a previewed file: `all` (nothing if any row is bad) or `good_only`."""
    authz.require(by, Perm.DATA_IMPORT)
    if mode not in MODES or preview.params.get("mode") != "preview" or preview.status != "done":
        raise ValidationFailed("请先完成校验，再选择导入方式")
    job = jobs.create(
        by=by,
        kind=IMPORT_KIND,
        area_code=preview.area_code,
        params={"filename": preview.params["filename"], "mode": mode, "preview_job": preview.pk},
    )
    job.file.name = preview.file.name  # the same stored file, validated again before writing
    job.save(update_fields=["file"])
    jobs.enqueue(import_households, job)
    return job


@task()
def import_households(job_id: int) -> None:
    jobs.run(job_id, _work)


def _work(job: Job) -> dict[str, Any]:
    """Stream the stored file through the checks (the workbook parsed in a child process: see core.tables);
    read it once more for the error workbook when there are bad rows."""
    name = job.params["filename"]
    user = job.created_by
    if user is None:
        raise Forbidden("上传人的账号已不存在，未导入任何家庭")
    with job.file.open("rb") as fh:
        jobs.progress(job.pk, phase="读取文件")
        with tables.open_table(name, fh) as table:
            total = max(table.total - 1, 0)
            jobs.progress(job.pk, total=total, done=0, phase="逐行校验")
            preview = checking.validate(
                user, layout.rows_of(table), progress=lambda n: jobs.progress(job.pk, done=n)
            )
        result = report.summarise(preview)
        result["sha256"] = report.file_digest(fh)
        if preview.errors:
            jobs.progress(job.pk, phase="整理错误行")
            with tables.open_table(name, fh) as table:
                result["errors_file"] = report.save_error_workbook(
                    job.pk, preview.errors, layout.rows_of(table)
                )
    if job.params.get("mode") == "preview":
        jobs.progress(job.pk, done=total)
        return result
    good_only = job.params.get("mode") == "good_only"
    households = len(preview.good)
    jobs.progress(job.pk, done=0, total=households, phase="写入数据库（全部成功或全部不写入）")
    outcome = writing.commit(user, preview, good_only=good_only, source=name)
    jobs.progress(job.pk, done=households)
    return result | outcome
