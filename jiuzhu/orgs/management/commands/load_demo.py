"""Load the demo data: places, staff, delegation, standards, then each app's own demo records."""

from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand

from jiuzhu.orgs.models import Jurisdiction

# Each module has a load() that is safe to run twice. DEMO_MODULES are the world the tests share too;
# SHOWCASE_MODULES add households and cases in every state for people trying the product.
DEMO_MODULES = ["jiuzhu.orgs.demo"]
# payments.demo loads the cases and enrolments first (it opens a frozen month for the loading).
SHOWCASE_MODULES = ["jiuzhu.payments.demo", "jiuzhu.archive.demo", "jiuzhu.supervision.demo"]
# --year: instead of the showcase, a county with a year of history walked day by day (console.demo_year).
YEAR_WALK = "jiuzhu.console.demo_year"


class Command(BaseCommand):
    help = "载入演示数据（行政区划、机构、演示账号、委托、标准等）"

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="数据库已有区划数据时跳过")
        parser.add_argument(
            "--year", action="store_true", help="载入一年的演示历史（时钟从年初逐日走到今天，较慢）"
        )
        parser.add_argument("--households", type=int, default=None, help="--year 时的家庭户数（默认约 2000）")
        parser.add_argument(
            "--catch-up",
            action="store_true",
            help="把已载入的一年演示（如预建演示库）从上次走到的日期继续走到今天；不是一年演示时什么也不做",
        )

    def handle(
        self, *args, if_empty: bool = False, year: bool = False, households=None, catch_up=False, **options
    ):
        if catch_up:
            self._catch_up()
            return
        if if_empty and Jurisdiction.objects.exists():
            self.stdout.write("数据库已有数据，跳过演示数据。")
            return
        for name in DEMO_MODULES + ([] if year else SHOWCASE_MODULES):
            self.stdout.write(f"载入 {name} …")
            import_module(name).load()
        if year:
            walk = import_module(YEAR_WALK)
            size = walk.DEFAULT_HOUSEHOLDS if households is None else households
            self.stdout.write(f"载入一年的演示历史（{size} 户）…")
            result = walk.run(households=size, seed=walk.DEFAULT_SEED)
            walk.write_state(result, seed=walk.DEFAULT_SEED)
            self.stdout.write("，".join(f"{k} {v}" for k, v in sorted(result.counts.items())))
        self.stdout.write(self.style.SUCCESS("演示数据已载入。"))

    def _catch_up(self) -> None:
        walk = import_module(YEAR_WALK)
        state = walk.read_state()
        if state is None:
            return
        self.stdout.write(f"演示数据走到 {state['walked_until']:%Y-%m-%d}，继续走到今天 …")
        result = walk.resume()
        if result is None:
            self.stdout.write("演示数据已是今天的。")
            return
        walk.write_state(result, seed=state["seed"])
        self.stdout.write("，".join(f"{k} {v}" for k, v in sorted(result.counts.items())))
        self.stdout.write(self.style.SUCCESS(f"演示数据已走到 {result.end:%Y-%m-%d}。"))
