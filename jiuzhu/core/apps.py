from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jiuzhu.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_migrate

        from jiuzhu.core import audit
        from jiuzhu.core.crypto import startup

        # A wrong or rotated key is refused at start, not noticed as 500s later (PI1).
        checks.register(startup.key_check, "jiuzhu_keys")
        post_migrate.connect(startup.register_after_migrate, sender=self)
        audit.register_actions({"job.restart": "重新开始后台任务", "training.clock_move": "调整培训环境时钟"})
