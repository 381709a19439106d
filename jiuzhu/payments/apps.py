from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "jiuzhu.payments"
    label = "payments"
    verbose_name = "待遇发放"

    def ready(self) -> None:
        from jiuzhu.cases.workflow import add_guard
        from jiuzhu.core import audit, retention
        from jiuzhu.core.navigation import NavItem, register
        from jiuzhu.orgs.roles import Perm
        from jiuzhu.payments.bankfiles import purge_bank_files
        from jiuzhu.payments.guards import cycle_open_for_monthly

        # M1: decisions on monthly benefits are refused while the payment list is frozen.
        add_guard(["decide", "bureau_decide", "finalize"], cycle_open_for_monthly)
        retention.register(purge_bank_files)  # PI1: bank files are deleted after their retention period
        register(
            NavItem("待遇发放", "月度发放", "payroll", "cash-stack", Perm.VIEW, 10),
            NavItem("待遇发放", "台账查询", "ledger", "journal-richtext", Perm.VIEW, 20),
            NavItem("待遇发放", "发放统计", "payment_statistics", "bar-chart", Perm.VIEW, 30),
            NavItem("待遇发放", "银行回盘对账", "reconcile", "check2-square", Perm.RECONCILE, 40),
            NavItem("待遇发放", "银行文件格式", "bank_formats", "table", Perm.PAYROLL_RUN, 50),
            NavItem(
                "待遇发放", "月度动态调整表", "adjustment_reports", "calendar-check", Perm.BENEFIT_MANAGE, 60
            ),
        )
        audit.register_actions(
            {
                "payroll.start": "开始生成台账和发放名单",
                "payroll.done": "台账和发放名单生成完成",
                "payroll.bank_file": "导出银行发放文件",
                "payroll.reconcile": "导入银行回盘",
                "payroll.reopen": "重新开放月度业务",
                "payroll.bank_format": "维护银行文件格式",
                "payroll.adjustment_report": "上报月度动态调整表",
            }
        )
