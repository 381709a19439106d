"""`manage.py cleanup`: the nightly clean-up (deploy/jiuzhu-cleanup.timer). Each step is short and safe to
repeat; together they keep tables that only grow by use from growing without end. It lives in the console
app, above the apps whose tables it trims (API kit, documents, core)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand

from jiuzhu.api.models import IdempotencyKey, RateCounter
from jiuzhu.core import clock, jobs, retention
from jiuzhu.core.models import WorkerBeat
from jiuzhu.documents import register, sweep


class Command(BaseCommand):
    help = (
        "Nightly clean-up: sessions, old task results, expired API keys and counters, stale worker rows, "
        "abandoned 文号 reservations, stored files no row refers to, personal files past their retention"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--task-days", type=int, default=14, help="keep finished task results this many days"
        )

    def handle(self, *args, task_days: int, **options) -> None:
        now = clock.now()
        call_command("clearsessions")
        if jobs.uses_worker():  # otherwise tasks ran at once and left no rows
            call_command("prune_db_task_results", min_age_days=task_days, verbosity=0)
        reaped = jobs.reap()
        voided = register.void_abandoned()
        files = sweep.delete_unreferenced_files()
        purged = retention.purge(now)  # bank files and import uploads past `files.retention_days` (PI1)
        keys, _ = IdempotencyKey.objects.filter(expires_at__lt=now).delete()
        counters, _ = RateCounter.objects.filter(expires_at__lt=now).delete()
        beats, _ = WorkerBeat.objects.filter(beat_at__lt=now - timedelta(days=7)).delete()
        self.stdout.write(
            f"interrupted jobs marked failed: {reaped}; abandoned 文号 reservations voided: {voided}; "
            f"unreferenced stored files deleted: {files}; personal files past their retention: "
            f"{sum(len(p.names) for p in purged)}; "
            f"expired idempotency keys: {keys}; rate counters: {counters}; old worker rows: {beats}"
        )
