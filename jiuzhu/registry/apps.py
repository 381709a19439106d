"""The registry at start-up: its navigation, audit actions and the household import's job kind."""

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jiuzhu.registry"
    label = "registry"
    verbose_name = "家庭登记"

    def ready(self) -> None:
        # Imported here: these modules import models, which are not loaded yet when Django imports apps.py.
        from jiuzhu.core import audit, jobs
        from jiuzhu.core.navigation import NavItem, register
        from jiuzhu.orgs.roles import Perm, Role
        from jiuzhu.registry.selectors import IMPORT_KIND, get_import_job

        register(
            NavItem("救助业务", "家庭登记", "households", "house-heart", Perm.VIEW, 20),
            NavItem(
                "救助业务",
                "主动发现",
                "discoveries",
                "binoculars",
                Perm.VIEW,
                40,
                frozenset(
                    {
                        Role.VILLAGE_ASSISTANT,
                        Role.TOWNSHIP_CASEWORKER,
                        Role.TOWNSHIP_APPROVER,
                        Role.BUREAU_OFFICER,
                    }
                ),
            ),
            NavItem(
                "救助业务", "近亲属备案名册", "relatives", "person-lines-fill", Perm.RELATIVE_REGISTRY, 50
            ),
            NavItem("救助业务", "批量导入家庭", "household_import", "upload", Perm.DATA_IMPORT, 60),
        )
        audit.register_actions(
            {
                "household.create": "登记家庭",
                "household.update": "修改家庭信息",
                "household.member_add": "增加家庭成员",
                "household.member_update": "修改家庭成员",
                "household.member_leave": "成员离户",
                "household.member_transfer_out": "成员迁出（迁移）",
                "household.member_transfer_in": "成员迁入（迁移）",
                "household.income_add": "登记收入",
                "household.income_remove": "删除收入",
                "household.asset_add": "登记财产",
                "household.asset_remove": "删除财产",
                "household.expense_add": "登记刚性支出",
                "household.expense_remove": "删除刚性支出",
                "household.import": "批量导入家庭",
                "pii.reveal_id": "查看完整身份证号",
                "relative.add": "登记近亲属",
                "relative.import": "导入近亲属名册",
                "relative.deactivate": "停用近亲属记录",
                "discovery.create": "主动发现报告",
                "discovery.decline": "主动发现：本户不同意申请",
                "discovery.convert": "主动发现转为申请",
            }
        )
        jobs.register(
            jobs.JobKind(
                kind=IMPORT_KIND,
                label="批量导入家庭",
                page="household_import_job",
                perm=Perm.DATA_IMPORT,
                fetch=get_import_job,
            )
        )
