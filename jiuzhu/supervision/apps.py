from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "jiuzhu.supervision"
    label = "supervision"
    verbose_name = "监督管理"

    def ready(self) -> None:
        from jiuzhu.supervision import (
            policy,  # noqa: F401 - registers the parameters
            registration,
        )

        registration.register_all()
