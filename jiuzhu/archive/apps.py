from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    """The household file (AR1), paper-file custody, archive downloads and public notice boards (P2, S12)."""

    name = "jiuzhu.archive"
    label = "archive"
    verbose_name = "一户一档与公示栏"

    def ready(self) -> None:
        from jiuzhu.archive import boards  # noqa: F401 - registers the hotline parameter
        from jiuzhu.core import audit
        from jiuzhu.core.navigation import NavItem, register
        from jiuzhu.orgs.roles import Perm

        audit.register_actions(
            {
                "custody.transfer": "档案移交",
                "custody.register": "登记档案保管单位",
                "custody.bulk_transfer": "档案批量移交",
                "archive.bundle_request": "申请下载家庭档案",
                "archive.bundle_download": "下载家庭档案",
            }
        )
        register(
            NavItem("文书档案", "公示栏", "boards", "megaphone", Perm.VIEW, 30),
            NavItem("文书档案", "档案批量移交", "custody_bulk", "archive", Perm.DELEGATION_MANAGE, 40),
        )
        from jiuzhu.archive.selectors import get_bundle_job
        from jiuzhu.core import jobs, retention

        # Bundles are job results: purged with their job after `files.retention_days` (PI1).
        retention.register_directory("archives", retention.job_files_referenced)

        jobs.register(
            jobs.JobKind(
                kind="household_archive",
                label="档案打包",
                page="bundle_job",
                perm=Perm.PII_REVEAL,
                fetch=get_bundle_job,
            )
        )
