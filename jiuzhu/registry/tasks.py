"""Background work of the registry: the household import, with progress on its Job."""

from __future__ import annotations

from django_tasks import task

from jiuzhu.core import jobs, tables
from jiuzhu.core.models import Job
from jiuzhu.registry import importer

IMPORT_KIND = "household_import"


@task()
def import_households(job_id: int) -> None:
    jobs.run(job_id, _work)


def _work(job: Job) -> dict:
    """Stream the stored file through the checks (the workbook parsed in a child process: see core.tables);
    read it once more for the error workbook when there are bad rows."""
    name = job.params["filename"]
    with job.file.open("rb") as fh:
        jobs.progress(job.pk, phase="读取文件")
        with tables.open_table(name, fh) as table:
            total = max(table.total - 1, 0)
            jobs.progress(job.pk, total=total, done=0, phase="逐行校验")
            preview = importer.validate(
                job.created_by, importer.rows_of(table), progress=lambda n: jobs.progress(job.pk, done=n)
            )
        result = importer.summarise(preview)
        result["sha256"] = importer.file_digest(fh)
        if preview.errors:
            jobs.progress(job.pk, phase="整理错误行")
            with tables.open_table(name, fh) as table:
                result["errors_file"] = importer.save_error_workbook(
                    job.pk, preview.errors, importer.rows_of(table)
                )
    if job.params.get("mode") == "preview":
        jobs.progress(job.pk, done=total)
        return result
    good_only = job.params.get("mode") == "good_only"
    households = len(preview.good)
    jobs.progress(job.pk, done=0, total=households, phase="写入数据库（全部成功或全部不写入）")
    outcome = importer.commit(job.created_by, preview, good_only=good_only, source=name)
    jobs.progress(job.pk, done=households)
    return result | outcome
