"""Background jobs with progress (imports, payroll, scans, archives) on the django-tasks API.

A job is queued after its row commits; a worker (`manage.py run_worker`, see `core.worker`) runs it and
records which worker took it. Workers write a heartbeat (`WorkerBeat`); pages ask `worker_status()` to
say plainly when none is running, and a job whose worker vanished is marked failed (interrupted) by the
next worker or by the first page that looks at it, and can be started again (`restart`).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import InterfaceError, OperationalError, connection, transaction

from jiuzhu.core import access, audit, clock
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.models import Job, JobStatus, WorkerBeat
from jiuzhu.core.types import Actor

log = logging.getLogger(__name__)

# Database errors that pass: SQLite's "database is locked", a PostgreSQL connection dropped or refused, a
# deadlock. The work is retried after a pause rather than the job (or the worker) dying of them.
TRANSIENT = (OperationalError, InterfaceError)

# Set by the worker process (core.worker) so that a job records who runs it.
WORKER_ID = ""


@dataclass(frozen=True)
class JobKind:
    """What the pages need to know of one kind of job: its page, who may start it, whether it may be
    started again after an interruption, and what else to mark when its worker vanished."""

    kind: str
    label: str
    page: str  # URL name of the job's page, taking the job's pk
    perm: str  # the permission that starts it (also restarts it)
    fetch: Callable[..., Job]  # the app's scoped selector: fetch(user, pk) → Job, or NotFound/Forbidden
    restartable: bool = True
    on_interrupted: Callable[[Job, str], None] | None = None


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    KINDS[kind.kind] = kind


# --- creating and running ------------------------------------------------------------------------------


def create(
    *, by: Actor, kind: str, area_code: str, params: dict | None = None, upload: UploadedFile | None = None
) -> Job:
    job = Job(
        kind=kind, area_code=area_code, params=params or {}, created_by_id=by.pk, created_at=clock.now()
    )
    if upload is not None:
        job.file.save(upload.name, upload, save=False)
    job.save()
    return job


def enqueue(task, job: Job) -> None:
    """Queue after the job row is committed, so the worker can find it; remember the task's id (its place
    in the queue) and path (to start it again)."""
    path = task.module_path

    def send() -> None:
        result = task.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id), task_path=path)

    transaction.on_commit(send)


def progress(
    job_id: int, *, done: int | None = None, total: int | None = None, phase: str | None = None
) -> None:
    """Written with a plain UPDATE outside any surrounding transaction of the work itself."""
    fields: dict = {}
    if done is not None:
        fields["done"] = done
    if total is not None:
        fields["total"] = total
    if phase is not None:
        fields["phase"] = phase
    if fields:
        Job.objects.filter(pk=job_id).update(**fields)


def retrying(fn: Callable, *, attempts: int | None = None, what: str = "database"):
    """`fn()`, tried again with doubling pauses while the database is busy or unreachable."""
    attempts = attempts or settings.JIUZHU_JOB_ATTEMPTS
    delay = settings.JIUZHU_JOB_RETRY_SECONDS
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except TRANSIENT as exc:
            if attempt == attempts:
                raise
            log.warning("%s: %s (attempt %s of %s, again in %.1fs)", what, exc, attempt, attempts, delay)
            _reset_connection()
            time.sleep(delay)
            delay = min(delay * 2, 60)
    raise AssertionError("unreachable")


def _reset_connection() -> None:
    # A broken connection is replaced on the next query; inside a transaction (tests) it is left alone.
    if not connection.in_atomic_block:
        connection.close()


def run(job_id: int, work: Callable[[Job], dict]) -> None:
    """Run `work(job)`; store its result, or the failure. A job that already finished is not run again.

    Transient database errors (see TRANSIENT) are retried with doubling pauses; every job's work is safe
    to repeat (one transaction, or idempotent steps). If they persist the job fails as interrupted, so that
    it can be started again."""
    job = retrying(lambda: Job.objects.get(pk=job_id))
    if job.finished:
        return
    retrying(
        lambda: Job.objects.filter(pk=job_id).update(
            status=JobStatus.RUNNING, started_at=clock.now(), worker_id=WORKER_ID
        )
    )
    attempts = settings.JIUZHU_JOB_ATTEMPTS
    delay = settings.JIUZHU_JOB_RETRY_SECONDS
    for attempt in range(1, attempts + 1):
        try:
            result = work(job)
            break
        except TRANSIENT as exc:
            if attempt == attempts:
                _fail(
                    job_id,
                    f"数据库繁忙或暂时无法连接，已重试 {attempts} 次仍未完成（{exc}），请稍后重新开始",
                    True,
                )
                log.exception("job %s failed after %s attempts", job_id, attempts)
                raise
            log.warning("job %s: %s; attempt %s of %s, again in %.1fs", job_id, exc, attempt, attempts, delay)
            _reset_connection()
            progress(job_id, phase=f"数据库繁忙，{delay:.0f} 秒后重试")
            time.sleep(delay)
            delay = min(delay * 2, 60)
        except Exception as exc:
            _fail(job_id, str(exc)[:2000], False)
            log.exception("job %s failed", job_id)
            raise
    retrying(
        lambda: Job.objects.filter(pk=job_id).update(
            status=JobStatus.DONE, result=result, finished_at=clock.now(), phase="完成"
        )
    )


def _fail(job_id: int, error: str, interrupted: bool) -> None:
    retrying(
        lambda: Job.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, error=error, finished_at=clock.now(), interrupted=interrupted
        )
    )


# --- workers and their heartbeat -----------------------------------------------------------------------


def uses_worker() -> bool:
    """Whether queued jobs wait for a worker process (the database backend), or run at once (tests)."""
    return settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def stale_after() -> timedelta:
    return timedelta(seconds=settings.JIUZHU_WORKER_STALE_SECONDS)


def process_key(pid: int) -> str:
    """This machine's boot, the pid and the process's start tick: the same key means the same process. Empty
    where /proc is not there (then the pid alone is checked)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[1].split()  # fields 3… (the command name in parentheses may hold spaces)
    if fields[0] in ("Z", "X"):
        return ""  # exited, not yet reaped by its parent
    return f"{boot}:{pid}:{fields[19]}"  # field 22: start tick


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


def is_alive(beat: WorkerBeat, *, now: datetime | None = None) -> bool:
    """A worker lives while it beats. On this machine its process settles it at once either way: a worker
    busy in a long SQLite write cannot beat but still lives, a killed one is dead at once (and a pid
    reused by another process after a restart is told apart by its start tick)."""
    if beat.stopped_at is not None:
        return False
    if beat.host == socket.gethostname():
        if beat.process_key and Path("/proc").is_dir():
            return process_key(beat.pid) == beat.process_key
        return _process_exists(beat.pid)
    return (now or clock.now()) - beat.beat_at < stale_after()


@dataclass(frozen=True)
class WorkerStatus:
    needed: bool  # False where tasks run at once (no worker to wait for)
    alive: int  # how many workers live
    last_seen: datetime | None  # the last heartbeat of any worker

    @property
    def missing(self) -> bool:
        return self.needed and self.alive == 0


def worker_status() -> WorkerStatus:
    if not uses_worker():
        return WorkerStatus(needed=False, alive=0, last_seen=None)
    beats = list(WorkerBeat.objects.all()[:50])
    now = clock.now()
    return WorkerStatus(
        needed=True,
        alive=sum(1 for b in beats if is_alive(b, now=now)),
        last_seen=max((b.beat_at for b in beats), default=None),
    )


def queue_position(job: Job) -> int | None:
    """How many tasks are ahead of a queued job (running ones included), or None when not queued."""
    if job.status != JobStatus.QUEUED or not job.task_id:
        return None
    from django_tasks_db.models import DBTaskResult

    mine = DBTaskResult.objects.filter(id=job.task_id).values("enqueued_at", "queue_name", "status").first()
    if mine is None or mine["status"] != "READY":
        return None
    ready = DBTaskResult.objects.filter(
        status="READY", queue_name=mine["queue_name"], enqueued_at__lt=mine["enqueued_at"]
    )
    return ready.count() + DBTaskResult.objects.filter(status="RUNNING").count()


# --- interrupted jobs ----------------------------------------------------------------------------------


def interrupt_reason(beat: WorkerBeat | None) -> str:
    where = f"（{beat.host} 上的进程 {beat.pid}）" if beat is not None else ""
    return f"后台任务处理程序{where}在处理中途停止，任务未完成，已作失败处理；可重新开始"


def reap(job: Job | None = None) -> int:
    """Mark failed (interrupted) every running job whose worker is gone — or only `job`. Returns how many.
    Run by each worker as it starts and every minute, and by the pages that show a running job."""
    if not uses_worker():
        return 0
    running = Job.objects.filter(status=JobStatus.RUNNING).exclude(worker_id="")
    if job is not None:
        running = running.filter(pk=job.pk)
    candidates = list(running.only("id", "kind", "worker_id", "params", "area_code"))
    if not candidates:
        return 0
    beats = {
        b.worker_id: b for b in WorkerBeat.objects.filter(worker_id__in={j.worker_id for j in candidates})
    }
    now = clock.now()
    count = 0
    for candidate in candidates:
        beat = beats.get(candidate.worker_id)
        if beat is not None and is_alive(beat, now=now):
            continue
        reason = interrupt_reason(beat)
        with transaction.atomic():
            changed = Job.objects.filter(
                pk=candidate.pk, status=JobStatus.RUNNING, worker_id=candidate.worker_id
            ).update(status=JobStatus.FAILED, error=reason, finished_at=now, interrupted=True)
            spec = KINDS.get(candidate.kind)
            if changed and spec is not None and spec.on_interrupted is not None:
                spec.on_interrupted(candidate, reason)
        if changed:
            log.warning("job %s (%s) interrupted: worker %s is gone", candidate.pk, candidate.kind, beat)
            count += 1
    _fail_orphan_tasks()
    return count


def reap_for_page(job: Job) -> bool:
    """`reap(job)` for a page about to show a running job; a busy database only postpones it (the page still
    answers, and the next look or a worker does it)."""
    if job.status != JobStatus.RUNNING:
        return False
    try:
        return reap(job) > 0
    except TRANSIENT as exc:
        log.warning("job %s: could not check its worker now: %s", job.pk, exc)
        return False


def _fail_orphan_tasks() -> None:
    """django-tasks' own rows of tasks whose worker vanished stay "RUNNING" forever otherwise."""
    from django_tasks_db.models import DBTaskResult

    running = list(DBTaskResult.objects.filter(status="RUNNING").only("id", "worker_ids"))
    if not running:
        return
    ids = {r.worker_ids[-1] for r in running if r.worker_ids}
    beats = {b.worker_id: b for b in WorkerBeat.objects.filter(worker_id__in=ids)}
    for result in running:
        last = result.worker_ids[-1] if result.worker_ids else ""
        beat = beats.get(last)
        if beat is None or not is_alive(beat):
            DBTaskResult.objects.filter(pk=result.pk, status="RUNNING").update(
                status="FAILED",
                finished_at=clock.now(),
                exception_class_path="jiuzhu.core.worker.WorkerLost",
                traceback=interrupt_reason(beat),
            )


def restart(*, job: Job, by: Actor) -> Job:
    """Start an interrupted job again: the same input, from the beginning (the work is safe to repeat)."""
    spec = KINDS.get(job.kind)
    if spec is None or not spec.restartable or not job.task_path:
        raise ValidationFailed("该任务不能在此重新开始")
    membership = access.require(by, spec.perm, job.area_code)
    from django.utils.module_loading import import_string

    task = import_string(job.task_path)
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.status != JobStatus.FAILED or not locked.interrupted:
            raise ValidationFailed("只有因处理程序中断而失败的任务可以重新开始")
        before = {"error": locked.error}
        for field, value in {
            "status": JobStatus.QUEUED,
            "error": "",
            "phase": "",
            "done": 0,
            "total": 0,
            "started_at": None,
            "finished_at": None,
            "interrupted": False,
            "worker_id": "",
        }.items():
            setattr(locked, field, value)
        locked.save()
        audit.record(
            actor=by,
            membership=membership,
            action="job.restart",
            obj=locked,
            before=before,
            after={"kind": locked.kind},
        )
        enqueue(task, locked)
    return locked
