"""Files with personal data are kept only as long as needed (个人信息保护法 art. 19, PI1): bank files, import
uploads and the workbooks of their bad rows are deleted `files.retention_days` after they were made (a policy
parameter, default 30 days), each deletion an audit event. `manage.py purge_personal_files` runs nightly.

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
from jiuzhu.core.crypto.sealed import sealed_storage
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


def purge_job_files(now: datetime) -> list[Purged]:
    days = RetentionDays()
    done = []
    with_files = ~Q(file="") | Q(result__has_key="errors_file") | Q(result__has_key="rows_file")
    for job in (
        Job.objects.filter(with_files, created_at__lt=now - timedelta(days=1)).order_by("pk").iterator()
    ):
        if not job.finished or not expired(job.created_at, job.area_code, days, now):
            continue
        names = [
            job.file.name,
            (job.result or {}).get("errors_file", ""),
            (job.result or {}).get("rows_file", ""),
        ]
        names = [n for n in names if n]
        if not names:
            continue
        with transaction.atomic():
            result = {k: v for k, v in (job.result or {}).items() if k not in ("errors_file", "rows_file")}
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


register(purge_job_files)


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
