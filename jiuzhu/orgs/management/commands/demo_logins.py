from django.core.management.base import BaseCommand

from jiuzhu.orgs.demo import DEMO_PASSWORD, STAFF
from jiuzhu.orgs.models import Jurisdiction
from jiuzhu.orgs.roles import Role


class Command(BaseCommand):
    help = "打印演示账号"

    def handle(self, *args, **options):
        names = dict(Jurisdiction.objects.values_list("code", "name"))
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}，仅供演示）：")
        for username, full_name, code, role in STAFF:
            place = names.get(code, code)
            self.stdout.write(f"  {username:<18} {full_name:<6} {place:<10} {Role(role).label}")
        self.stdout.write("")
