"""Start-up registrations of the monitoring app's watch part (navigation, audit actions, parameters, chain
sources, jobs)."""

from __future__ import annotations


def setup() -> None:
    # Imported here: these modules import models, which are not loaded yet when Django imports apps.py.
    from jiuzhu.core import audit, jobs
    from jiuzhu.core.navigation import NavItem, register
    from jiuzhu.monitoring import sources, watch_chain, watch_policy  # noqa: F401  (parameters)
    from jiuzhu.monitoring.chain_types import register_chain_source
    from jiuzhu.monitoring.register_sync import register_origin_resolver
    from jiuzhu.monitoring.watch_selectors import IMPORT_KIND, get_import_job, household_warnings_panel
    from jiuzhu.orgs.roles import Perm
    from jiuzhu.registry.hooks import Panel, register_household_panel

    sources.load()

    register_household_panel(Panel("monitoring/watch_household_panel.html", household_warnings_panel))
    register_chain_source(watch_chain.chain_entries)
    register_origin_resolver(watch_chain.case_origins)
    watch_chain.register_rules()
    register(
        NavItem("动态监测", "监测预警", "monitoring:warnings", "bell", Perm.VIEW, 10),
        NavItem("动态监测", "比对数据导入", "monitoring:import", "cloud-upload", Perm.DATA_IMPORT, 20),
        NavItem("动态监测", "监测统计与月报", "monitoring:dashboard", "graph-up", Perm.VIEW, 30),
    )
    audit.register_actions(
        {
            "monitoring.import": "导入比对数据",
            "monitoring.verify": "核实监测预警",
            "monitoring.close": "监测预警无需处理",
            "monitoring.enrol": "监测预警纳入救助",
            "monitoring.adjust": "监测预警调整待遇",
            "monitoring.refer": "监测预警转专项救助",
            "monitoring.referral_answer": "登记专项救助部门反馈",
            "monitoring.report": "导出动态监测月报",
        }
    )
    jobs.register(
        jobs.JobKind(
            kind=IMPORT_KIND,
            label="导入比对数据",
            page="monitoring:import_job",
            perm=Perm.DATA_IMPORT,
            fetch=get_import_job,
        )
    )
