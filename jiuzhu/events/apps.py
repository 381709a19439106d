from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The event feed for outside systems and the webhooks that push it (above orgs: scoped by jurisdiction)."""

    name = "jiuzhu.events"
    label = "events"
    verbose_name = "数据交换"

    def ready(self) -> None:
        from jiuzhu.core.navigation import NavItem, register
        from jiuzhu.orgs.roles import Perm

        register(NavItem("系统设置", "数据交换与推送", "webhooks", "broadcast", Perm.STAFF_MANAGE, 80))
