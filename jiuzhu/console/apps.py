from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The settings pages over the kernel: policy parameters, the working-day calendar, the audit trail."""

    name = "jiuzhu.console"
    label = "console"
    verbose_name = "系统设置"

    def ready(self) -> None:
        from jiuzhu.console.views_calendar import calendar_reminder_panel
        from jiuzhu.core.navigation import NavItem, register, register_panel
        from jiuzhu.orgs.roles import ROLE_PERMS, Perm

        register(
            NavItem("系统设置", "政策参数", "params", "sliders", Perm.VIEW, 20),
            NavItem("系统设置", "工作日历", "calendar", "calendar3", Perm.VIEW, 30),
            NavItem("系统设置", "审计日志", "audit", "journal-text", Perm.AUDIT_VIEW, 60),
        )
        # Those who load the calendar are reminded first thing, before their other panels (P7a).
        managers = [role for role, perms in ROLE_PERMS.items() if Perm.CALENDAR_MANAGE in perms]
        register_panel(managers, calendar_reminder_panel, order=1)
