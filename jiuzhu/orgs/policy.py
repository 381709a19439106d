"""Security parameters (等保 身份鉴别, retention of personal files), as policy parameters: a county may tighten
them on the parameters page. National defaults in `policy_defaults.json`, loaded by a migration."""

from __future__ import annotations

from pathlib import Path

from jiuzhu.core import params
from jiuzhu.core.params import Kind, ParamDef, register
from jiuzhu.orgs.roles import Role

_SEC = "信息安全"

# Roles that decide, pay, supervise or administer log in with a second factor by default.
MFA_ROLES_DEFAULT = sorted(
    {
        Role.TOWNSHIP_APPROVER,
        Role.BUREAU_OFFICER,
        Role.BUREAU_INSPECTOR,
        Role.FINANCE,
        Role.AUDITOR,
        Role.ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
    }
)

register(
    ParamDef(
        "security.mfa_roles",
        "须使用动态口令登录的岗位",
        Kind.TEXT_LIST,
        "",
        "PI2",
        "这些岗位的人员登录时除密码外还须输入手机验证器（动态口令）生成的 6 位数字；其他岗位可自愿开启",
        group=_SEC,
        choices=tuple((role.value, role.label) for role in Role),
    ),
    ParamDef(
        "security.password_max_age_days",
        "密码有效期",
        Kind.INT,
        "天",
        "PI2",
        "超过此天数未修改密码，登录后须先修改密码；0 表示不限",
        0,
        3650,
        _SEC,
    ),
    ParamDef(
        "files.retention_days",
        "含个人信息文件的保存期限",
        Kind.INT,
        "天",
        "PI1",
        "银行发放文件、批量导入的上传文件及其核实表保存的天数，期满自动删除（删除记入审计日志）",
        1,
        3650,
        _SEC,
    ),
)

DEFAULTS_FILE = Path(__file__).with_name("policy_defaults.json")


def load_defaults(parameter_model, now) -> int:
    """Insert this app's national defaults that are not in the database yet (migrations, test worlds)."""
    return params.load_defaults_from(DEFAULTS_FILE, parameter_model, now)
