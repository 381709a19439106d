"""Fan out new events to webhook subscriptions and send what is due; once, or every N seconds."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from jiuzhu.events import webhooks


class Command(BaseCommand):
    help = "Fan out new audit events to webhook subscriptions and send due deliveries"

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="repeat every N seconds (0: run once)")

    def handle(self, *args, every: int = 0, **options):
        while True:
            result = webhooks.pump()
            self.stdout.write(f"created {result['created']}, attempted {result['attempted']}")
            if every <= 0:
                return
            time.sleep(every)
