"""`manage.py training_clock [--week | --next-month]`: show or move the training copy's clock forward
(培训环境, the same action as the page). Refused everywhere but the training copy."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core import clock, training
from jiuzhu.core.errors import RECOVERABLE


class Command(BaseCommand):
    help = (
        "培训环境时钟：--week 前进 7 天，--next-month 到下月 1 日；不带参数时显示当前时间（只在培训环境可用）"
    )

    def add_arguments(self, parser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--week", action="store_const", const="week", dest="move", help="前进 7 天")
        group.add_argument(
            "--next-month", action="store_const", const="next_month", dest="move", help="到下月 1 日"
        )

    def handle(self, *args, move: str | None = None, **options) -> None:
        if not training.enabled():
            raise CommandError("只有培训环境（JIUZHU_TRAINING=true）可以调整时钟；正式环境的时间不可调整。")
        if move is not None:
            try:
                training.training_clock_move(by=None, move=move)
            except RECOVERABLE as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(self.style.SUCCESS(f"已{training.MOVES[move]}。"))
        days = clock.training_offset().total_seconds() / 86400
        self.stdout.write(f"培训环境当前时间：{clock.now():%Y-%m-%d %H:%M}（比实际时间快 {days:.1f} 天）")
