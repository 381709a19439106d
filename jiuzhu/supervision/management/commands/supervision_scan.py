"""Run the warning rules (S6): every night from cron (`manage.py supervision_scan`), or for one area."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.jurisdiction_codes import is_valid_code
from jiuzhu.supervision import scan
from jiuzhu.supervision.models import ScanTrigger
from jiuzhu.supervision.tasks import nightly_scan


class Command(BaseCommand):
    help = "运行监管预警规则（每晚定时运行，或指定区划）"

    def add_arguments(self, parser):
        parser.add_argument("--area", default="", help="区划代码（12位），默认全部")
        parser.add_argument("--rule", action="append", default=[], help="只运行指定规则（可重复）")
        parser.add_argument("--queue", action="store_true", help="交给后台任务运行（django-tasks）")

    def handle(self, *args, area: str = "", rule: list[str], queue: bool = False, **options):
        if area and not is_valid_code(area):
            raise CommandError("区划代码应为 12 位数字")
        if queue:
            nightly_scan.enqueue()
            self.stdout.write("已提交后台扫描任务")
            return
        result = scan.scan(by=None, area_code=area, trigger=ScanTrigger.NIGHTLY, rules=rule or None)
        for code, figures in result.per_rule.items():
            self.stdout.write(
                f"{code}: 发现 {figures['found']}，新增 {figures['new']}，消除 {figures['resolved']}（{figures['seconds']}s）"
            )
        self.stdout.write(self.style.SUCCESS(f"扫描完成，用时 {result.scan.seconds:.1f}s"))
