import time

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.crypto import columns, current_ref, keyrecords
from jiuzhu.core.crypto.rotation import rotate_column, rotate_files


class Command(BaseCommand):
    help = (
        "用当前密钥版本重新加密、重建索引：逐批处理并显示进度，中断后再次运行从断点继续；"
        "完成后旧密钥版本标记为停用（此后可从配置中删除）"
    )
    requires_system_checks = []  # checks its keys itself, before writing anything

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000, help="每批条数（默认 2000）")

    def handle(self, *args, batch: int, **options):
        if batch < 1:
            raise CommandError("--batch 至少为 1")
        found = keyrecords.register_current()
        if found:
            raise CommandError("密钥与数据不符，未做任何改动：" + "；".join(found))
        self.stdout.write(f"目标密钥版本：{current_ref()}")
        started = time.monotonic()
        last_line = [0.0]

        every_batch = options.get("verbosity", 1) >= 2

        def progress(name: str, done: int, total: int) -> None:
            now = time.monotonic()
            if every_batch or done in (0, total) or now - last_line[0] >= 1:
                last_line[0] = now
                percent = done * 100 // total if total else 100
                self.stdout.write(f"{name}：{done}/{total}（{percent}%）")
                self.stdout.flush()

        for column in columns.COLUMNS:
            result = rotate_column(column, batch=batch, progress=progress)
            if result.skipped:
                self.stdout.write(
                    f"{result.name}：{result.skipped} 条在处理期间被他人修改，已由其修改重新加密"
                )
        files = rotate_files(progress=progress)
        retired = keyrecords.retire_unused()
        seconds = time.monotonic() - started
        self.stdout.write(f"文件重新加密 {files} 个；用时 {seconds:.1f} 秒")
        if retired:
            self.stdout.write(f"不再使用的密钥版本：{'、'.join(retired)}（可从 JIUZHU_OLD_KEYS 中删除）")
        self.stdout.write(self.style.SUCCESS("轮换完成"))
