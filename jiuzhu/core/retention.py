"""Files with personal data are kept only as long as needed (个人信息保护法 art. 19, PI1): bank files, import
uploads, the workbooks of their bad rows and household archive bundles are deleted `files.retention_days` after
they were made (a policy parameter, default 30 days), each deletion an audit event; a file in their directories
that no row names is deleted after a day. `manage.py purge_personal_files` runs nightly.

Apps register what they keep (`register`); core purges the files of background jobs itself. Audit events are
never purged by anything (网络安全法 art. 21 asks for at least 180 days; the trail is kept for good).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from jiuzhu.core import access, audit, clock, params
from jiuzhu.core.crypto.sealed import sealed_names, sealed_storage
from jiuzhu.core.models import Job

audit.register_actions(
    {"files.purge": "按保存期限删除含个人信息的文件", "files.download": "下载含个人信息的文件"}
)


@dataclass(frozen=True)
class Purged:
    what: str
    object_id: str
    names: tuple[str, ...]


Purger = Callable[[datetime], list[Purged]]
_PURGERS: list[Purger] = []


def register(purger: Purger) -> None:
    if purger not in _PURGERS:
        _PURGERS.append(purger)


class RetentionDays:
    """`files.retention_days` per area, looked up once per area in a run."""

    def __init__(self) -> None:
        self._cache: dict[str, int] = {}

    def __call__(self, area_code: str) -> int:
        if area_code not in self._cache:
            self._cache[area_code] = int(
                params.get("files.retention_days", area_code=area_code, on=clock.today())
            )
        return self._cache[area_code]


def expired(created_at: datetime, area_code: str, days: RetentionDays, now: datetime) -> bool:
    return created_at <= now - timedelta(days=days(area_code))


def delete_stored(names: list[str]) -> list[str]:
    storage = sealed_storage()
    gone = []
    for name in names:
        if name and storage.exists(name):
            storage.delete(name)
            gone.append(name)
    return gone


# The keys of `Job.result` that name a stored file: workbooks of bad rows, household archive bundles.
RESULT_FILE_KEYS = ("errors_file", "rows_file", "path")


def job_file_names(job: Job) -> list[str]:
    result = job.result or {}
    return [n for n in (job.file.name, *(result.get(k, "") for k in RESULT_FILE_KEYS)) if n]


def purge_job_files(now: datetime) -> list[Purged]:
    days = RetentionDays()
    done = []
    with_files = ~Q(file="")
    for key in RESULT_FILE_KEYS:
        with_files |= Q(result__has_key=key)
    for job in (
        Job.objects.filter(with_files, created_at__lt=now - timedelta(days=1)).order_by("pk").iterator()
    ):
        if not job.finished or not expired(job.created_at, job.area_code, days, now):
            continue
        names = job_file_names(job)
        if not names:
            continue
        with transaction.atomic():
            result = {k: v for k, v in (job.result or {}).items() if k not in RESULT_FILE_KEYS}
            Job.objects.filter(pk=job.pk).update(file="", result=result)
            audit.record(
                actor=None,
                action="files.purge",
                obj=job,
                area_code=job.area_code,
                after={"kind": job.kind, "files": names, "retention_days": days(job.area_code)},
            )
        delete_stored(names)  # after the commit: a failed transaction leaves the files and the record
        done.append(Purged("job", str(job.pk), tuple(names)))
    return done


def job_files_referenced() -> set[str]:
    """Every stored file a job row still names."""
    found: set[str] = set(Job.objects.exclude(file="").values_list("file", flat=True))
    for key in RESULT_FILE_KEYS:
        for result in Job.objects.filter(result__has_key=key).values_list("result", flat=True):
            found.add(str(result.get(key) or ""))
    return found


# --- files no row names ----------------------------------------------------------------------------------

# A worker killed between writing a file and recording it, or a transaction rolled back after the file was
# saved, leaves a file no row names: the purges above never see it. The directories of the sealed storage
# are swept for such files; a younger file may belong to work still running.
ORPHAN_GRACE = timedelta(days=1)
Referenced = Callable[[], set[str]]
_DIRECTORIES: dict[str, Referenced] = {}


def register_directory(directory: str, referenced: Referenced) -> None:
    """Files below `directory` that `referenced()` does not name are deleted after `ORPHAN_GRACE`."""
    _DIRECTORIES[directory] = referenced


def purge_unreferenced(now: datetime) -> list[Purged]:
    storage = sealed_storage()
    done = []
    for directory, referenced in sorted(_DIRECTORIES.items()):
        names = sealed_names(directory)
        if not names:
            continue
        known = referenced()
        orphans = [n for n in names if n not in known and storage.get_modified_time(n) < now - ORPHAN_GRACE]
        if not orphans:
            continue
        with transaction.atomic():
            audit.record(
                actor=None,
                action="files.purge",
                object_type="storage",
                object_id=directory,
                object_repr=f"{directory}/ 中无记录引用的文件",
                after={"files": orphans, "reason": "unreferenced"},
            )
        delete_stored(orphans)
        done.append(Purged("unreferenced", directory, tuple(orphans)))
    return done


register(purge_job_files)
register(purge_unreferenced)
register_directory("jobs", job_files_referenced)


def purge(now: datetime | None = None) -> list[Purged]:
    now = now or clock.now()
    return [item for purger in list(_PURGERS) for item in purger(now)]


def log_download(*, by, obj, area_code: str, what: str) -> None:
    """A download of a file with personal data is an audit event (PI1), like a reveal."""
    held = access.memberships(by)
    home = held[0] if held else None
    with transaction.atomic():
        audit.record(
            actor=by,
            membership=home,
            action="files.download",
            obj=obj,
            area_code=area_code,
            after={"file": what},
        )
