from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jiuzhu.cases"
    label = "cases"
    verbose_name = "救助申请"

    def ready(self) -> None:
        from jiuzhu.cases import profiles  # noqa: F401 - registers the procedure parameters
        from jiuzhu.cases.services import intake, steps  # noqa: F401 - register their transitions
        from jiuzhu.core import audit
        from jiuzhu.core.navigation import NavItem, register
        from jiuzhu.orgs.roles import Perm

        register(
            NavItem("救助业务", "救助申请", "cases", "folder2-open", Perm.VIEW, 10),
            NavItem("工作台", "我的待办", "queue", "inbox", Perm.VIEW, 5),
            NavItem("救助业务", "登记申请", "case_new", "plus-circle", Perm.CASE_CREATE, 15),
            NavItem("救助业务", "办理时限", "deadlines", "alarm", Perm.VIEW, 30),
        )
        audit.register_actions(
            {
                "case.create": "登记申请",
                "case.material_receive": "登记收到材料",
                "case.material_remove": "撤销材料登记",
                "case.signature": "登记签署",
                "case.notify_missing": "出具一次性告知书",
                "case.refuse": "不予受理",
                "case.accept": "受理",
                "case.withdraw": "撤回申请",
                "case.checks": "重新检查",
                "case.near_relative_filing": "近亲属备案",
            }
        )
