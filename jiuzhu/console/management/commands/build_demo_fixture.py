"""Build the prebuilt demo database shipped in demo/ (decision D-222): walk a demo year on the published demo
keys in a scratch var directory and pack it. Run it again whenever the walk or the migrations change."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.console import demo_fixture
from jiuzhu.console.demo_year import DEFAULT_HOUSEHOLDS


class Command(BaseCommand):
    help = "重新生成预建演示库 demo/jiuzhu-demo.tar.xz（逐日走完一年演示，较慢）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--households", type=int, default=DEFAULT_HOUSEHOLDS, help="家庭户数（默认约 2000）"
        )
        parser.add_argument("--output", default=str(demo_fixture.FIXTURE), help="输出文件（.tar.xz）")

    def handle(self, *args, households: int, output: str, **options):
        if households < 1:
            raise CommandError("家庭户数须为正整数")
        target = Path(output)
        started = time.monotonic()
        self.stdout.write(f"逐日走完一年演示（{households} 户），再打包到 {target} …")
        state = demo_fixture.build(output=target, households=households)
        minutes = (time.monotonic() - started) / 60
        size = target.stat().st_size / 2**20
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {target}（{size:.1f} MB，走到 {state['walked_until']}，用时 {minutes:.0f} 分钟）"
            )
        )
