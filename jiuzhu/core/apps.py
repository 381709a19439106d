from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jiuzhu.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from jiuzhu.core.navigation import NavItem, register
        from jiuzhu.orgs.roles import Perm

        register(
            NavItem("系统设置", "政策参数", "params", "sliders", Perm.VIEW, 20),
            NavItem("系统设置", "工作日历", "calendar", "calendar3", Perm.VIEW, 30),
            NavItem("系统设置", "审计日志", "audit", "journal-text", Perm.AUDIT_VIEW, 60),
        )
