from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core import audit, audit_checkpoints
from jiuzhu.core.models import AuditChain


class Command(BaseCommand):
    help = (
        "校验各审计链后，把链头（序号与校验码）写入签名检查点文件（JIUZHU_AUDIT_CHECKPOINT_DIR），"
        "并可发送到 syslog（JIUZHU_AUDIT_SYSLOG）；每日由部署的定时任务运行"
    )

    def handle(self, *args, **options):
        loaded = audit_checkpoints.load()
        for problem in loaded.problems:
            self.stdout.write(self.style.ERROR(problem))
        heads, broken = [], []
        for report in audit.verify_all():
            if not report.ok:
                broken.append(f"链 {report.chain}：{report.problem}")
                continue
            head = AuditChain.objects.filter(key=report.chain).first()
            if head is not None and head.last_seq:
                heads.append({"chain": head.key, "seq": head.last_seq, "hash": head.last_hash})
        for line in broken:
            self.stdout.write(self.style.ERROR(line))
        if heads:
            path = audit_checkpoints.write(heads)
            self.stdout.write(f"检查点已写入 {path}（{len(heads)} 条链）")
        if broken or loaded.problems:
            # The intact chains were still recorded; the broken ones must be investigated, not signed over.
            raise CommandError(f"{len(broken) + len(loaded.problems)} 处校验失败，未为其写检查点")
        self.stdout.write(self.style.SUCCESS("审计链完整，检查点已更新"))
