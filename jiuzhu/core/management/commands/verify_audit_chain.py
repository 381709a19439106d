from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.audit import verify_all


class Command(BaseCommand):
    help = "校验审计日志哈希链，报告每条链中第一条异常记录"

    def handle(self, *args, **options):
        broken = 0
        for report in verify_all():
            if report.ok:
                self.stdout.write(f"链 {report.chain}：完整，{report.checked} 条")
                continue
            broken += 1
            row = report.broken_at
            where = f"id={row.id} seq={row.seq} {row.at:%Y-%m-%d %H:%M:%S} {row.action}" if row else "链尾"
            self.stdout.write(
                self.style.ERROR(f"链 {report.chain}：{report.problem}；第一条异常记录 {where}")
            )
        if broken:
            raise CommandError(f"{broken} 条链校验失败")
        self.stdout.write(self.style.SUCCESS("审计日志完整"))
