"""Roles and the one permission table (role → actions). Checked on the server for every action."""

from __future__ import annotations

from django.db import models


class OrgKind(models.TextChoices):
    GOVERNMENT = "government", "人民政府"
    BUREAU = "bureau", "民政局"
    TOWNSHIP = "township", "乡镇人民政府/街道办事处"
    VILLAGE = "village", "村（居）民委员会"
    OVERSIGHT = "oversight", "监督机关（纪委监委、审计、财政）"


class Role(models.TextChoices):
    VILLAGE_ASSISTANT = "village_assistant", "村（居）社会救助协理员"
    TOWNSHIP_CASEWORKER = "township_caseworker", "乡镇（街道）经办人员"
    TOWNSHIP_APPROVER = "township_approver", "乡镇（街道）审批负责人"
    VERIFIER = "verifier", "家庭经济状况核对专员"
    BUREAU_OFFICER = "bureau_officer", "民政局业务人员"
    BUREAU_INSPECTOR = "bureau_inspector", "民政局督查人员"
    FINANCE = "finance", "财务人员"
    AUDITOR = "auditor", "审计监督（只读）"
    ADMIN = "admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "安全审计员"


# 三员分立 (等保 level 3): system administrator (accounts and settings), security administrator (roles, second
# factors, keys) and audit administrator (the audit trail and its checks). An account holding one of them holds
# no other role (orgs.separation).
ADMIN_ROLES: frozenset[str] = frozenset({Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


ROLE_ORG_KINDS: dict[str, frozenset[str]] = {
    Role.VILLAGE_ASSISTANT: frozenset({OrgKind.VILLAGE}),
    Role.TOWNSHIP_CASEWORKER: frozenset({OrgKind.TOWNSHIP}),
    Role.TOWNSHIP_APPROVER: frozenset({OrgKind.TOWNSHIP}),
    Role.VERIFIER: frozenset({OrgKind.TOWNSHIP, OrgKind.BUREAU}),
    Role.BUREAU_OFFICER: frozenset({OrgKind.BUREAU}),
    Role.BUREAU_INSPECTOR: frozenset({OrgKind.BUREAU}),
    Role.FINANCE: frozenset({OrgKind.BUREAU}),
    Role.AUDITOR: frozenset({OrgKind.OVERSIGHT, OrgKind.BUREAU}),
    Role.ADMIN: frozenset({OrgKind.BUREAU}),
    Role.SECURITY_ADMIN: frozenset({OrgKind.BUREAU}),
    Role.AUDIT_ADMIN: frozenset({OrgKind.BUREAU}),
}


class Perm(models.TextChoices):
    """Actions. Labels are what a 403 page names."""

    VIEW = "view", "查看辖区业务数据"
    PII_REVEAL = "pii_reveal", "查看完整身份证号/银行账号"
    AUDIT_VIEW = "audit_view", "查看审计日志"
    PARAMS_EDIT = "params_edit", "修改政策参数"
    DELEGATION_MANAGE = "delegation_manage", "管理审批权限委托"
    CALENDAR_MANAGE = "calendar_manage", "维护节假日"
    STAFF_MANAGE = "staff_manage", "管理工作人员账号"
    ROLE_MANAGE = "role_manage", "授予、结束工作人员岗位"
    MFA_RESET = "mfa_reset", "重置工作人员的动态口令"
    KEY_VIEW = "key_view", "查看密钥与加密状态"
    HOUSEHOLD_EDIT = "household_edit", "登记、修改家庭信息"
    DISCOVERY_REPORT = "discovery_report", "主动发现报告"
    CASE_CREATE = "case_create", "登记救助申请"
    CASE_PROCESS = "case_process", "受理、调查、评议、公示等经办"
    VERIFY_ECONOMICS = "verify_economics", "家庭经济状况核对"
    CASE_REVIEW_TOWNSHIP = "case_review_township", "乡镇（街道）审核（两级审批）"
    CASE_DECIDE_TOWNSHIP = "case_decide_township", "乡镇（街道）受委托审批"
    CASE_DECIDE_BUREAU = "case_decide_bureau", "民政局审批"
    RELATIVE_REGISTRY = "relative_registry", "维护近亲属备案名册"
    BENEFIT_MANAGE = "benefit_manage", "待遇核定与动态管理"
    CYCLE_MANAGE = "cycle_manage", "月度周期管理（重新开放）"
    PAYROLL_RUN = "payroll_run", "生成台账与发放名单"
    RECONCILE = "reconcile", "导入银行回盘、对账"
    SUPERVISE = "supervise", "抽查、检查、督办"
    WARNING_HANDLE = "warning_handle", "处理预警与督办事项"
    COMPLAINT_HANDLE = "complaint_handle", "受理、办理投诉举报"
    # S8: the complainant's name and contact; bureau roles only, so no township or village ever holds it.
    COMPLAINANT_VIEW = "complainant_view", "查看投诉举报人身份和联系方式（回访）"
    TEMPLATE_EDIT = "template_edit", "维护文书模板"
    DATA_IMPORT = "data_import", "批量导入"
    FUNDS_MANAGE = "funds_manage", "登记临时救助资金拨付"
    TRAINING_MANAGE = "training_manage", "登记业务培训"


_READ = {Perm.VIEW}
_TOWNSHIP_WORK = {
    Perm.VIEW,
    Perm.PII_REVEAL,
    Perm.HOUSEHOLD_EDIT,
    Perm.CASE_CREATE,
    Perm.CASE_PROCESS,
    Perm.BENEFIT_MANAGE,
    Perm.WARNING_HANDLE,
    Perm.COMPLAINT_HANDLE,
    Perm.DATA_IMPORT,
    Perm.RELATIVE_REGISTRY,
}

ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.VILLAGE_ASSISTANT: frozenset(
        {Perm.VIEW, Perm.HOUSEHOLD_EDIT, Perm.DISCOVERY_REPORT, Perm.CASE_CREATE}
    ),
    Role.TOWNSHIP_CASEWORKER: frozenset(_TOWNSHIP_WORK),
    Role.TOWNSHIP_APPROVER: frozenset(
        _TOWNSHIP_WORK | {Perm.CASE_REVIEW_TOWNSHIP, Perm.CASE_DECIDE_TOWNSHIP}
    ),
    Role.VERIFIER: frozenset({Perm.VIEW, Perm.VERIFY_ECONOMICS}),
    Role.BUREAU_OFFICER: frozenset(
        {
            Perm.VIEW,
            Perm.PII_REVEAL,
            Perm.AUDIT_VIEW,
            Perm.PARAMS_EDIT,
            Perm.DELEGATION_MANAGE,
            Perm.CALENDAR_MANAGE,
            Perm.HOUSEHOLD_EDIT,
            Perm.CASE_CREATE,
            Perm.CASE_PROCESS,
            Perm.CASE_DECIDE_BUREAU,
            Perm.RELATIVE_REGISTRY,
            Perm.BENEFIT_MANAGE,
            Perm.CYCLE_MANAGE,
            Perm.TEMPLATE_EDIT,
            Perm.DATA_IMPORT,
            Perm.COMPLAINT_HANDLE,
            Perm.COMPLAINANT_VIEW,
            Perm.FUNDS_MANAGE,
            Perm.TRAINING_MANAGE,
        }
    ),
    Role.BUREAU_INSPECTOR: frozenset(
        {
            Perm.VIEW,
            Perm.PII_REVEAL,
            Perm.AUDIT_VIEW,
            Perm.SUPERVISE,
            Perm.COMPLAINT_HANDLE,
            Perm.COMPLAINANT_VIEW,
            Perm.TRAINING_MANAGE,
        }
    ),
    Role.FINANCE: frozenset({Perm.VIEW, Perm.PAYROLL_RUN, Perm.RECONCILE, Perm.FUNDS_MANAGE}),
    Role.AUDITOR: frozenset({Perm.VIEW, Perm.PII_REVEAL, Perm.AUDIT_VIEW}),
    Role.ADMIN: frozenset(
        {
            Perm.VIEW,
            Perm.STAFF_MANAGE,
            Perm.CALENDAR_MANAGE,
            Perm.PARAMS_EDIT,
            Perm.DATA_IMPORT,
        }
    ),
    # Neither sees the business data of the jurisdiction (no VIEW): the security administrator reads the staff
    # lists through ROLE_MANAGE (orgs.selectors), the audit administrator the audit trail.
    Role.SECURITY_ADMIN: frozenset({Perm.ROLE_MANAGE, Perm.MFA_RESET, Perm.KEY_VIEW}),
    Role.AUDIT_ADMIN: frozenset({Perm.AUDIT_VIEW}),
}


def perms_of(role: str) -> frozenset[str]:
    return ROLE_PERMS.get(role, frozenset())
