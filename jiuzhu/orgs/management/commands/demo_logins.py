from django.conf import settings
from django.core.management.base import BaseCommand

from jiuzhu.orgs import mfa
from jiuzhu.orgs.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, STAFF
from jiuzhu.orgs.models import Jurisdiction, SecondFactor
from jiuzhu.orgs.roles import Role


class Command(BaseCommand):
    help = "打印演示账号（及演示用动态口令）"

    def handle(self, *args, **options):
        names = dict(Jurisdiction.objects.values_list("code", "name"))
        with_totp = set(SecondFactor.objects.values_list("user__username", flat=True))
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}，仅供演示）：")
        for username, full_name, code, role in STAFF:
            place = names.get(code, code)
            mark = "  [动态口令]" if username in with_totp else ""
            self.stdout.write(f"  {username:<18} {full_name:<6} {place:<10} {Role(role).label}{mark}")
        if with_totp:
            self.stdout.write(
                f"\n标有 [动态口令] 的账号登录时还须输入 6 位动态口令。演示账号共用公开的验证器密钥 "
                f"{DEMO_TOTP_SECRET}（可添加到手机验证器）；当前口令 {mfa.current_code(DEMO_TOTP_SECRET)}"
                + ("，调试模式下登录页也会显示。" if settings.DEBUG else "。")
            )
        self.stdout.write("")
