"""Start-up of the cases app: its navigation, landing panel, deadline sources and audit action names are
registered here, explicitly, rather than by import side effects."""

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jiuzhu.cases"
    label = "cases"
    verbose_name = "救助申请"

    def ready(self) -> None:
        from jiuzhu.cases import profiles  # noqa: F401 - registers the procedure parameters
        from jiuzhu.core import audit
        from jiuzhu.core.navigation import NavItem, register
        from jiuzhu.orgs.roles import Perm

        register(
            NavItem("救助业务", "救助申请", "cases", "folder2-open", Perm.VIEW, 10),
            NavItem("工作台", "我的待办", "queue", "inbox", Perm.VIEW, 5),
            NavItem("救助业务", "登记申请", "case_new", "plus-circle", Perm.CASE_CREATE, 15),
            NavItem("救助业务", "办理时限", "deadlines", "alarm", Perm.VIEW, 30),
        )
        from jiuzhu.cases.transitions import TRANSITIONS
        from jiuzhu.cases.views_queues import queue_panel
        from jiuzhu.core.navigation import register_panel
        from jiuzhu.orgs.roles import Role

        register_panel(
            [
                Role.TOWNSHIP_CASEWORKER,
                Role.TOWNSHIP_APPROVER,
                Role.VILLAGE_ASSISTANT,
                Role.VERIFIER,
                Role.BUREAU_OFFICER,
            ],
            queue_panel,
            order=10,
        )

        from jiuzhu.cases.deadline_sources import SOURCES
        from jiuzhu.core import deadline_moves

        for source in SOURCES:
            deadline_moves.register(source)

        # The household page lists the household's applications (the registry cannot import cases).
        from jiuzhu.cases.household_panel import household_cases
        from jiuzhu.registry.hooks import Panel as HouseholdPanel
        from jiuzhu.registry.hooks import register_household_panel

        register_household_panel(HouseholdPanel("cases/_household_cases.html", household_cases))

        # Every transition is named once, in the table; the rest are edits that are not transitions.
        audit.register_actions({f"case.{t.action}": t.label for t in TRANSITIONS.values()})
        audit.register_actions(
            {
                "case.create": "登记申请",
                "case.material_receive": "登记收到材料",
                "case.material_remove": "撤销材料登记",
                "case.signature": "登记签署",
                "case.checks": "重新检查",
                "case.near_relative_filing": "近亲属备案",
                "case.mark_disputed": "标记为有争议",
                "case.deadline_moved": "期限随节假日安排调整",
                "verification.view": "查看核对数据",
            }
        )
        # The materials checklist page sits with the other settings pages.
        from jiuzhu.cases.materials_admin import ACTIONS as MATERIAL_ACTIONS

        register(
            NavItem(
                "系统设置",
                "申请材料清单",
                "materials_checklist",
                "list-check",
                Perm.VIEW,
                25,
                frozenset({Role.BUREAU_OFFICER, Role.ADMIN, Role.BUREAU_INSPECTOR, Role.AUDITOR}),
            )
        )
        audit.register_actions(MATERIAL_ACTIONS)
