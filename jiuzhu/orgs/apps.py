from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "jiuzhu.orgs"
    label = "orgs"
    verbose_name = "组织与权限"

    def ready(self) -> None:
        from jiuzhu.api.api import use_token_lookup
        from jiuzhu.core import access, audit
        from jiuzhu.orgs import authz
        from jiuzhu.orgs.selectors import jurisdiction_exists
        from jiuzhu.orgs.services import token_authenticate

        # The layers below ask orgs through these hooks: the API kit for tokens, core for permissions.
        use_token_lookup(token_authenticate)
        access.install(
            access.Authority(
                require=authz.require,
                can=authz.can,
                is_global=authz.is_global,
                in_scope=authz.in_scope,
                roles=authz.roles,
                memberships=authz.memberships,
                area_exists=jurisdiction_exists,
            )
        )
        from jiuzhu.core.navigation import NavItem, register, register_panel
        from jiuzhu.orgs import (
            policy,  # noqa: F401 - registers the security parameters
            views,
        )
        from jiuzhu.orgs.roles import Perm, Role

        register(
            NavItem(
                "系统设置",
                "权限下放",
                "rollout",
                "diagram-3",
                Perm.VIEW,
                10,
                frozenset({Role.BUREAU_OFFICER, Role.BUREAU_INSPECTOR, Role.AUDITOR, Role.ADMIN}),
            ),
            NavItem("系统设置", "行政区划", "jurisdictions", "geo-alt", Perm.VIEW, 40),
            NavItem("系统设置", "密钥与加密", "key_status", "key", Perm.KEY_VIEW, 70),
            NavItem("系统设置", "工作人员", "staff", "people", Perm.ROLE_MANAGE, 50),
            NavItem(
                "系统设置",
                "工作人员",
                "staff",
                "people",
                Perm.VIEW,
                50,
                frozenset(
                    {
                        Role.BUREAU_OFFICER,
                        Role.ADMIN,
                        Role.TOWNSHIP_APPROVER,
                        Role.AUDITOR,
                    }
                ),
            ),
        )
        township_roles = [Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_APPROVER, Role.VILLAGE_ASSISTANT]
        register_panel(township_roles, views.township_delegation_panel, order=50)
        register_panel(
            [Role.BUREAU_OFFICER, Role.BUREAU_INSPECTOR, Role.ADMIN, Role.AUDITOR],
            views.bureau_rollout_panel,
            order=50,
        )
        register_panel(list(Role.values), views.recent_activity_panel, order=900)
        audit.register_actions(
            {
                "staff.membership_end": "结束岗位",
                "staff.deactivate": "停用账号",
                "staff.reactivate": "启用账号",
                "staff.password_reset": "重置密码",
                "staff.mfa_reset": "重置动态口令",
            }
        )
