from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "jiuzhu.benefits"
    label = "benefits"
    verbose_name = "待遇与动态管理"

    def ready(self) -> None:
        from jiuzhu.benefits import calculators, income_rules  # noqa: F401 - register their parameters
        from jiuzhu.benefits.for_cases import amount_for_approval, enrolled_check, record_low_income_category
        from jiuzhu.benefits.services import enrol_from_decision
        from jiuzhu.benefits.views import case_panel
        from jiuzhu.cases import checks
        from jiuzhu.cases.hooks import Panel, register_calculator, register_on_approved, register_panel
        from jiuzhu.core import audit
        from jiuzhu.core.navigation import NavItem, register
        from jiuzhu.orgs.roles import Perm

        if enrolled_check not in checks.CHECKS:
            checks.register(enrolled_check)
        register_on_approved(enrol_from_decision)
        register_on_approved(record_low_income_category)
        register_calculator(amount_for_approval)
        register_panel(Panel("benefits/_case_panel.html", case_panel))
        register(
            NavItem("待遇发放", "保障对象", "enrolments", "people-fill", Perm.VIEW, 5),
            NavItem("待遇发放", "定期核查", "reviews_due", "arrow-repeat", Perm.BENEFIT_MANAGE, 8),
            NavItem("待遇发放", "失信记录", "dishonesty_list", "person-x", Perm.VIEW, 70),
            NavItem("待遇发放", "死亡信息比对", "deaths_import", "person-dash", Perm.DATA_IMPORT, 80),
        )
        audit.register_actions(
            {
                "benefit.bank_account": "登记发放账户",
                "pii.reveal_account": "查看完整银行账号",
                "benefit.review": "定期核查",
                "benefit.suspend": "暂停发放",
                "benefit.resume": "恢复发放",
                "benefit.terminate": "终止保障",
                "benefit.assess": "生活自理能力评估",
                "benefit.reassess": "自理能力重新评估",
                "benefit.deaths_import": "死亡信息比对登记",
                "benefit.single_cover": "登记单人保",
                "benefit.single_cover_clear": "取消单人保",
            }
        )
