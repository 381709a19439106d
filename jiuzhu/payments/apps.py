"""Payments at start-up: its month freeze registered with the case workflow and with benefits (M1), its
navigation, audit actions and job kinds."""

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "jiuzhu.payments"
    label = "payments"
    verbose_name = "待遇发放"

    def ready(self) -> None:
        # Imported here: these modules import models, which are not loaded yet when Django imports apps.py.
        from jiuzhu.benefits.hooks import register_enrolment_listener, register_payment_lock
        from jiuzhu.cases.transitions import add_guard
        from jiuzhu.core import audit, jobs, retention
        from jiuzhu.core.navigation import NavItem, register
        from jiuzhu.orgs.roles import Perm
        from jiuzhu.payments import payroll
        from jiuzhu.payments.bankfiles import bank_files_referenced, purge_bank_files
        from jiuzhu.payments.cycle import lock_reason
        from jiuzhu.payments.guards import cycle_open_for_monthly
        from jiuzhu.payments.selectors import RECONCILE_KIND, get_reconcile_job
        from jiuzhu.payments.services.back_pay import on_enrolment_event

        # M1: decisions on monthly benefits, and every enrolment change that affects payment, are refused
        # while the payment list is frozen.
        add_guard(["decide", "bureau_decide", "finalize"], cycle_open_for_monthly)
        register_payment_lock(lock_reason)
        # 补发: months an enrolment event leaves unpaid are proposed for the bureau's approval.
        register_enrolment_listener(on_enrolment_event)
        retention.register(purge_bank_files)  # PI1: bank files are deleted after their retention period
        retention.register_directory("bankfiles", bank_files_referenced)
        register(
            NavItem("待遇发放", "月度发放", "payroll", "cash-stack", Perm.VIEW, 10),
            NavItem("待遇发放", "台账查询", "ledger", "journal-richtext", Perm.VIEW, 20),
            NavItem("待遇发放", "发放统计", "payment_statistics", "bar-chart", Perm.VIEW, 30),
            NavItem("待遇发放", "银行回盘对账", "reconcile", "check2-square", Perm.RECONCILE, 40),
            NavItem("待遇发放", "补发审批", "back_pays", "arrow-counterclockwise", Perm.VIEW, 45),
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
                "payroll.back_pay_propose": "提出补发",
                "payroll.back_pay_approve": "批准补发",
                "payroll.back_pay_reject": "不予补发",
            }
        )
        jobs.register(
            jobs.JobKind(
                kind=payroll.KIND,
                label="生成台账和发放名单",
                page="",
                perm=Perm.PAYROLL_RUN,
                fetch=payroll.no_job_page,
                restartable=False,  # the run page offers 再次生成, which completes what was written
                on_interrupted=payroll.interrupted,
            )
        )
        jobs.register(
            jobs.JobKind(
                kind=RECONCILE_KIND,
                label="导入银行回盘",
                page="reconcile_job",
                perm=Perm.RECONCILE,
                fetch=get_reconcile_job,
            )
        )
