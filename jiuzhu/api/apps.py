from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "jiuzhu.api"
    label = "jiuzhu_api"
    verbose_name = "接口"

    def ready(self) -> None:
        from jiuzhu.core.navigation import NavItem, register
        from jiuzhu.orgs.roles import Perm

        register(NavItem("系统设置", "数据交换与推送", "webhooks", "broadcast", Perm.STAFF_MANAGE, 80))
