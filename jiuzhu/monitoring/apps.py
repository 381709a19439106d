from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """低收入人口动态监测 and 分层分类 assistance: the low-income population register, 比对 with other
    departments, monitoring warnings with their verify-then-resolve loop, and one assistance chain per
    household."""

    name = "jiuzhu.monitoring"
    label = "monitoring"
    verbose_name = "动态监测"

    def ready(self) -> None:
        from jiuzhu.monitoring import setup_register, setup_watch

        setup_watch.setup()
        setup_register.setup()
