from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "jiuzhu.payments"
    label = "payments"
    verbose_name = "待遇发放"

    def ready(self) -> None:
        from jiuzhu.cases.transitions import add_guard
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
        from jiuzhu.core import jobs

        jobs.register(
            jobs.JobKind(
                kind="payroll",
                label="生成台账和发放名单",
                page="",
                perm=Perm.PAYROLL_RUN,
                fetch=_no_fetch,
                restartable=False,  # the run page offers 再次生成, which completes what was written
                on_interrupted=_payroll_interrupted,
            )
        )
        jobs.register(
            jobs.JobKind(
                kind="payroll_reconcile",
                label="导入银行回盘",
                page="reconcile_job",
                perm=Perm.RECONCILE,
                fetch=_fetch_reconcile_job,
            )
        )


def _no_fetch(user, pk):
    from jiuzhu.core.errors import NotFound

    raise NotFound()


def _payroll_interrupted(job, reason: str) -> None:
    from jiuzhu.payments import payroll

    if job.params.get("run"):
        # The run page goes on "可再次生成，已完成的部分不会重复" itself.
        payroll.fail(job.params["run"], reason.split("；")[0])


def _fetch_reconcile_job(user, pk):
    from jiuzhu.payments.selectors import get_reconcile_job

    return get_reconcile_job(user, pk)
