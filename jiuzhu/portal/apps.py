from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "jiuzhu.portal"
    label = "portal"
    verbose_name = "群众服务"

    def ready(self) -> None:
        from jiuzhu.core.navigation import NavItem, register
        from jiuzhu.orgs.roles import Perm, Role

        register(
            NavItem(
                "监督管理",
                "群众投诉举报",
                "portal:staff_complaints",
                "megaphone",
                Perm.COMPLAINANT_VIEW,
                50,
                frozenset({Role.BUREAU_OFFICER, Role.BUREAU_INSPECTOR}),
            )
        )
