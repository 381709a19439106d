import dj_database_url
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from jiuzhu.core.dbroles import grant_runtime


class Command(BaseCommand):
    help = (
        "以数据库属主角色（DATABASE_MIGRATE_URL）执行迁移，再为运行角色（DATABASE_URL 的用户）授予所需权限："
        "运行角色不能修改、删除审计记录，也不能停用审计表的触发器"
    )
    requires_system_checks = []  # migrate runs them

    def handle(self, *args, **options):
        url = settings.DATABASE_MIGRATE_URL
        if not url:
            raise CommandError("请设置 DATABASE_MIGRATE_URL（数据库属主角色的连接地址）")
        runtime = connections["default"].settings_dict
        owner = dj_database_url.parse(url)
        if owner["ENGINE"] != runtime["ENGINE"] or owner["NAME"] != runtime["NAME"]:
            raise CommandError("DATABASE_MIGRATE_URL 与 DATABASE_URL 须指向同一个数据库")
        runtime_role = runtime["USER"]
        connections["default"].close()
        runtime.update(USER=owner["USER"], PASSWORD=owner["PASSWORD"], HOST=owner["HOST"], PORT=owner["PORT"])
        call_command("migrate", interactive=False, verbosity=options.get("verbosity", 1))
        if runtime_role and runtime_role != owner["USER"]:
            grant_runtime(runtime_role)
            self.stdout.write(f"已为运行角色 {runtime_role} 授权（审计表只可追加）")
