from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core import audit_checkpoints
from jiuzhu.core.audit import verify_chain
from jiuzhu.core.models import AuditChain, AuditEvent


class Command(BaseCommand):
    help = "校验审计日志：逐条核对校验码与链接，并与签名检查点比对，报告每条链中第一条异常记录"

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoints",
            nargs="*",
            type=Path,
            help="检查点文件（默认为 JIUZHU_AUDIT_CHECKPOINT_DIR 中的全部文件，例如从日志服务器取回的副本）",
        )

    def handle(self, *args, checkpoints=None, **options):
        loaded = audit_checkpoints.load(checkpoints or None)
        broken = len(loaded.problems)
        for problem in loaded.problems:
            self.stdout.write(self.style.ERROR(problem))
        self.stdout.write(f"检查点文件 {loaded.files} 个")
        keys = (
            set(AuditChain.objects.values_list("key", flat=True))
            | set(AuditEvent.objects.values_list("chain", flat=True).distinct())
            | set(loaded.heads)
        )
        for key in sorted(keys):
            report = verify_chain(key, loaded.heads.get(key, {}))
            if report.ok:
                self.stdout.write(
                    f"链 {report.chain}：完整，{report.checked} 条，与 {report.checkpoints} 个检查点相符"
                )
                continue
            broken += 1
            row = report.broken_at
            where = f"id={row.id} seq={row.seq} {row.at:%Y-%m-%d %H:%M:%S} {row.action}" if row else "链尾"
            self.stdout.write(
                self.style.ERROR(f"链 {report.chain}：{report.problem}；第一条异常记录 {where}")
            )
        if broken:
            raise CommandError(f"{broken} 处校验失败")
        self.stdout.write(self.style.SUCCESS("审计日志完整"))
