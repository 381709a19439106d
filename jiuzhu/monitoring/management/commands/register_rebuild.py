from django.core.management.base import BaseCommand

from jiuzhu.monitoring import register_sync


class Command(BaseCommand):
    help = "重建低收入人口名册（首次启用、或数据未经业务功能载入后）"

    def add_arguments(self, parser):
        parser.add_argument("--area", default="", help="区划代码前缀，空为全部")

    def handle(self, *args, area: str = "", **options):
        total = register_sync.rebuild(area_prefix=area)
        self.stdout.write(self.style.SUCCESS(f"低收入人口名册已重建：{total} 人"))
