from django.core.management.base import BaseCommand

from jiuzhu.core import retention


class Command(BaseCommand):
    help = "删除超过保存期限（政策参数 files.retention_days）的银行文件、导入上传文件及其核实表；每次删除记入审计日志"

    def handle(self, *args, **options):
        purged = retention.purge()
        for item in purged:
            self.stdout.write(f"{item.what} #{item.object_id}：删除 {len(item.names)} 个文件")
        self.stdout.write(self.style.SUCCESS(f"共删除 {sum(len(p.names) for p in purged)} 个到期文件"))
