"""What the supervision app adds to the shared registries: audit action names, menu entries and
landing panels (called from `apps.py` once the app registry is ready)."""

from __future__ import annotations

from jiuzhu.core import audit
from jiuzhu.core.navigation import NavItem, register, register_panel
from jiuzhu.orgs.roles import Perm, Role
from jiuzhu.supervision.views import panels

ACTIONS = {
    "figures.refresh": "重新计算监管概览数据",
    "sample.draw": "抽取抽查对象",
    "inspection.start": "开始检查",
    "inspection.answer": "填写检查清单",
    "inspection.complete": "完成检查",
    "inspection.report": "出具检查报告",
    "finding.record": "记录检查发现问题",
    "finding.rectify": "登记问题整改",
    "finding.close": "问题销号",
    "checklist.save": "修改检查清单",
    "alert.scan": "预警扫描",
    "alert.assign": "指派预警",
    "alert.handle": "处理预警",
    "alert.reopen": "重新打开预警",
    "matter.open": "立项督办",
    "matter.escalate": "升级督办",
    "matter.letter": "出具督办文书",
    "matter.answer": "回复督办",
    "matter.review": "审核督办回复",
    "complaint.submit": "登记投诉举报",
    "complaint.assign": "交办投诉举报",
    "complaint.investigate": "调查核实投诉举报",
    "complaint.reply": "答复投诉举报",
    "complaint.return_visit": "投诉举报回访",
    "pii.complainant": "查看投诉举报人身份和联系方式",
    "score.compute": "计算乡镇考评",
    "funds.allocate": "登记临时救助资金拨付",
    "training.record": "登记业务培训",
}


def register_all() -> None:

    audit.register_actions(ACTIONS)
    s = "监督管理"
    bureau = frozenset({Role.BUREAU_INSPECTOR, Role.BUREAU_OFFICER, Role.AUDITOR, Role.FINANCE})
    township = frozenset({Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_APPROVER})
    register(
        NavItem(s, "监管概览", "sup_dashboard", "speedometer2", Perm.VIEW, 10, bureau | township),
        NavItem(s, "督办待办", "sup_queue", "inbox-fill", Perm.WARNING_HANDLE, 12),
        NavItem(s, "抽查", "sup_samples", "shuffle", Perm.VIEW, 20, bureau),
        NavItem(s, "检查", "sup_inspections", "clipboard-check", Perm.VIEW, 22, bureau | township),
        NavItem(s, "发现问题", "sup_findings", "exclamation-diamond", Perm.VIEW, 24, bureau | township),
        NavItem(s, "预警", "sup_alerts", "bell", Perm.VIEW, 30, bureau | township),
        NavItem(s, "督办", "sup_matters", "flag", Perm.VIEW, 40, bureau | township),
        NavItem(s, "投诉举报", "sup_complaints", "telephone-inbound", Perm.COMPLAINT_HANDLE, 50),
        NavItem(s, "乡镇考评", "sup_scores", "trophy", Perm.VIEW, 60, bureau | township),
        NavItem(s, "临时救助资金", "sup_funds", "cash-coin", Perm.VIEW, 70, bureau | township),
        NavItem(s, "经办力量与培训", "sup_capacity", "people", Perm.VIEW, 80, bureau),
        NavItem(s, "检查清单", "sup_checklists", "list-check", Perm.SUPERVISE, 90),
    )
    register_panel([Role.BUREAU_INSPECTOR], panels.inspector_panel, order=5)
    register_panel([Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_APPROVER], panels.township_panel, order=15)
