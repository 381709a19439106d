"""The watch part's policy parameters (convention 7): verification deadlines and the 医保 thresholds.
National defaults in `watch_policy_defaults.json`, loaded by the migration; a county sets its own on the
parameters page."""

from __future__ import annotations

from pathlib import Path

from jiuzhu.core import params
from jiuzhu.core.params import Kind, ParamDef, register

_MON = "动态监测"

register(
    ParamDef(
        "monitoring.verify_days",
        "监测预警核实期限",
        Kind.INT,
        "天",
        "监测",
        "比对预警生成后，乡镇（街道）应在此天数内核实",
        1,
        90,
        _MON,
    ),
    ParamDef(
        "monitoring.verify_days.death",
        "死亡预警核实期限",
        Kind.INT,
        "天",
        "监测、DM1",
        "死亡比对预警应在此天数内核实（停发须及时）",
        1,
        90,
        _MON,
    ),
    ParamDef(
        "monitoring.medical.monitored_threshold",
        "监测对象单次住院自付预警门槛",
        Kind.MONEY,
        "元",
        "监测",
        "低保、特困、低收入家庭成员一次住院个人自付超过此数即预警",
        0,
        10_000_000,
        _MON,
    ),
    ParamDef(
        "monitoring.medical.resident_threshold",
        "一般居民单次住院自付预警门槛",
        Kind.MONEY,
        "元",
        "监测",
        "未纳入救助的在册居民一次住院个人自付超过此数即预警",
        0,
        10_000_000,
        _MON,
    ),
)

DEFAULTS_FILE = Path(__file__).with_name("watch_policy_defaults.json")


def load_defaults(parameter_model, now) -> int:
    """Insert this app's national defaults that are not in the database yet (migrations, test worlds)."""
    return params.load_defaults_from(DEFAULTS_FILE, parameter_model, now)
