from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jiuzhu.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from jiuzhu.core import audit

        audit.register_actions({"job.restart": "重新开始后台任务"})
