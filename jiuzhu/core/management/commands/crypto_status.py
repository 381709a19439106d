from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.crypto import keyrecords
from jiuzhu.core.crypto.local import split_ref
from jiuzhu.core.crypto.provider import KeyUnavailable, provider
from jiuzhu.core.models import KeyRecord

SUITE_NAMES = {"aes": "AES-256-GCM + HMAC-SHA-256", "sm4": "SM4-GCM + HMAC-SM3"}


class Command(BaseCommand):
    help = "列出加密算法套件、配置的密钥版本与指纹、数据中记载的指纹和各密钥版本加密的数据量（密评）"
    requires_system_checks = []  # it is what one runs when the key check refuses to start

    def handle(self, *args, **options):
        p = provider()
        out = self.stdout.write
        current = p.current_ref()
        suite, version = split_ref(current)
        out(f"算法套件：{suite}（{SUITE_NAMES[suite]}）")
        out(f"密码实现：{type(p).__module__}.{type(p).__name__}")
        out(f"当前数据密钥版本：{version}，指纹 {p.fingerprint(current)}")
        for ref in p.refs()[1:]:
            out(f"旧数据密钥（仅用于解密与轮换）：{ref}，指纹 {p.fingerprint(ref)}")
        out(f"当前审计密钥：{p.audit_ref()}，指纹 {p.audit_fingerprint(split_ref(p.audit_ref())[1])}")
        out("")
        out("数据库中记载的密钥指纹：")
        for record in KeyRecord.objects.order_by("kind", "ref"):
            state = f"已停用 {record.retired_at:%Y-%m-%d}" if record.retired_at else "使用中"
            out(
                f"  {record.kind:<5} {record.ref:<8} {record.fingerprint}  {record.registered_at:%Y-%m-%d} 登记，{state}"
            )
        out("")
        out("各列的密文按密钥版本计数：")
        for name, counts in keyrecords.refs_by_column().items():
            shown = "，".join(f"{ref} {n} 条" for ref, n in sorted(counts.items())) or "无数据"
            out(f"  {name}：{shown}")
        found = keyrecords.problems()
        for message in found:
            out(self.style.ERROR(message))
        try:
            for ref in keyrecords.refs_in_use():
                if ref not in p.refs():
                    raise KeyUnavailable(ref)
        except KeyUnavailable as exc:
            raise CommandError(f"数据使用的密钥版本 {exc} 没有配置") from None
        if found:
            raise CommandError("配置的密钥与数据不符")
        pending = sum(n for ref, n in keyrecords.refs_in_use().items() if ref != current)
        if pending:
            out(self.style.WARNING(f"尚有 {pending} 条数据未使用当前密钥版本，运行 manage.py crypto_rotate"))
        else:
            out(self.style.SUCCESS("全部数据使用当前密钥版本"))
