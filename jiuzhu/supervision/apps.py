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
        from jiuzhu.core import jobs
        from jiuzhu.orgs.roles import Perm
        from jiuzhu.supervision.selectors import get_scan_job

        jobs.register(
            jobs.JobKind(
                kind="alert_scan",
                label="预警扫描",
                page="sup_scan_job",
                perm=Perm.SUPERVISE,
                fetch=get_scan_job,
            )
        )
