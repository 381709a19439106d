"""Recompute the stored dashboard figures of every jurisdiction scope (cron, e.g. every 15 minutes)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from jiuzhu.supervision.services.figures import refresh_all


class Command(BaseCommand):
    help = "重新计算各辖区的监管概览数据（定时运行）"

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"已重新计算 {refresh_all()} 个辖区的监管概览数据"))
