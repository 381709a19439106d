"""Start-up registrations of the monitoring app's register part (navigation, audit actions, parameters, chain
sources, the repeated-need rule, the hooks that keep the register in step, the chain's section of the
household file)."""

from __future__ import annotations


def setup() -> None:
    # Imported when the app is ready (called from `MonitoringConfig.ready`): models and URLs are loaded by then.
    from jiuzhu.archive.hooks import register_household_file_section
    from jiuzhu.benefits.hooks import register_enrolment_listener
    from jiuzhu.cases.hooks import register_on_approved
    from jiuzhu.core import audit, params
    from jiuzhu.core.navigation import NavItem, register
    from jiuzhu.monitoring import chain, register_chain_sources, register_rules, register_sync, register_views
    from jiuzhu.monitoring.chain_types import register_chain_source
    from jiuzhu.orgs.roles import Perm
    from jiuzhu.registry.hooks import Panel, register_household_panel, register_members_moved
    from jiuzhu.supervision import rules, scan

    register(NavItem("动态监测", "低收入人口名册", "monitoring:register", "people", Perm.VIEW, 5))
    audit.register_actions({"register.export": "导出低收入人口名册"})
    params.register(*register_rules.PARAMS)
    rules.register(register_rules.RULE)
    scan.register_township_key(register_rules.SAME_NEED_DAYS)
    for source in register_chain_sources.SOURCES:
        register_chain_source(source)
    register_household_panel(Panel("monitoring/chain_panel.html", register_views.household_panel))
    register_household_file_section(chain.household_file_section)
    register_on_approved(register_sync.on_approved)
    register_enrolment_listener(register_sync.on_enrolment_event)
    register_members_moved(register_sync.on_members_moved)
