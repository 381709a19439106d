"""`manage.py run_worker`: the background worker (see `jiuzhu.core.worker`), with django-tasks-db's
`db_worker` options plus `--beat` (seconds between heartbeats)."""

from __future__ import annotations

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from jiuzhu.core.worker import Worker


class Command(DbWorkerCommand):
    help = "Run the background worker: survives a busy database, writes a heartbeat, fails orphaned jobs"

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--beat",
            type=float,
            default=None,
            help="Seconds between heartbeats (default: JIUZHU_WORKER_BEAT_SECONDS)",
        )
        # Restarts on code changes would hide crashes from the supervisor that must see them.
        parser.set_defaults(reload=False)

    def handle(  # type: ignore[override]  # the library's options plus --beat; --reload is ignored
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        beat: float | None,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        worker = Worker(
            beat_seconds=beat or settings.JIUZHU_WORKER_BEAT_SECONDS,
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        worker.configure_signals()
        worker.run()
