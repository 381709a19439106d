"""The background worker: django-tasks' database worker, made to survive a busy or absent database and
to say that it lives.

django-tasks-db's `db_worker` stops at the first database error it does not expect: on SQLite a
`database is locked` raised while it begins its claiming transaction, or while it records a result,
ends the process, and every later job waits at 0 % with no message. This worker
- retries the claiming and the recording of results with doubling pauses (up to a minute) instead;
- writes a heartbeat row (`WorkerBeat`) every few seconds from a thread of its own, with the task it runs;
- marks running jobs of vanished workers failed (interrupted) when it starts and every minute (`jobs.reap`).
Restarting a worker that exits is the supervisor's part: `make run` (scripts/run-demo) and systemd
(deploy/jiuzhu-worker.service).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from jiuzhu.core import clock, jobs
from jiuzhu.core.models import WorkerBeat

log = logging.getLogger("jiuzhu.worker")

REAP_EVERY = 60.0  # seconds between looks for jobs of vanished workers
MAX_PAUSE = 60.0


class WorkerLost(Exception):
    """Recorded on django-tasks' rows of tasks whose worker vanished (see `jobs.reap`)."""


class Worker(DatabaseWorker):
    def __init__(self, *, beat_seconds: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.beat_seconds = beat_seconds
        self.current_task = ""
        self._stop = threading.Event()
        self._last_reap = 0.0

    # --- heartbeat -------------------------------------------------------------------------------------

    def _register(self) -> None:
        now = clock.now()
        WorkerBeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "process_key": jobs.process_key(os.getpid()),
                "started_at": now,
                "beat_at": now,
                "stopped_at": None,
                "task_id": "",
            },
        )

    def _beat(self) -> None:
        WorkerBeat.objects.filter(worker_id=self.worker_id).update(
            beat_at=clock.now(), task_id=self.current_task
        )

    def _beat_loop(self) -> None:
        try:
            while not self._stop.wait(self.beat_seconds):
                try:
                    self._beat()
                except jobs.TRANSIENT as exc:
                    # A missed beat is harmless: on this machine the process itself proves it lives.
                    log.warning("heartbeat not written: %s", exc)
                    connection.close()
        finally:
            connection.close()

    # --- the loop --------------------------------------------------------------------------------------

    def run(self) -> None:
        jobs.WORKER_ID = self.worker_id
        jobs.retrying(self._register, attempts=1_000_000, what="registering the worker")
        log.info("worker %s started (pid %s)", self.worker_id, os.getpid())
        beater = threading.Thread(target=self._beat_loop, name="heartbeat", daemon=True)
        beater.start()
        try:
            self._loop()
        finally:
            self._stop.set()
            beater.join(timeout=5)
            try:
                WorkerBeat.objects.filter(worker_id=self.worker_id).update(stopped_at=clock.now())
            except jobs.TRANSIENT:
                log.warning(
                    "could not record the worker's stop; it will be seen as gone when it stops beating"
                )

    def _loop(self) -> None:
        pause = 0.0
        while self.running:
            try:
                close_old_connections()
                self._reap_now_and_then()
                task_result = self._claim()
                if task_result is not None:
                    self.current_task = str(task_result.id)
                    try:
                        self.run_task(task_result)
                    finally:
                        self.current_task = ""
            except jobs.TRANSIENT as exc:
                pause = min(MAX_PAUSE, pause * 2 if pause else 1.0)
                log.warning("database unavailable (%s); the worker waits %.0fs and goes on", exc, pause)
                connection.close()
                time.sleep(pause)
                continue
            pause = 0.0
            if self.batch and task_result is None:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            if self.running and task_result is None:
                time.sleep(self.interval)

    def _claim(self) -> DBTaskResult | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        return task_result

    def _reap_now_and_then(self) -> None:
        if time.monotonic() - self._last_reap >= REAP_EVERY:
            jobs.reap()
            self._last_reap = time.monotonic()
