"""The supervision app's policy parameters (convention 7). National defaults are in
`policy_defaults.json`, loaded by a migration; a county sets its own on the parameters page."""

from __future__ import annotations

import json
from pathlib import Path

from jiuzhu.core import params
from jiuzhu.core.params import Kind, ParamDef, register

_SUP = "监督管理"
_SCORE = "乡镇考评权重"
_CAP = "经办能力"

register(
    ParamDef(
        "supervision.sample_percent",
        "月度新增对象抽查比例",
        Kind.PERCENT,
        "%",
        "S1",
        "每月从各乡镇（街道）新审核确认的对象中抽查的比例",
        0,
        100,
        _SUP,
    ),
    ParamDef(
        "supervision.sample_minimum",
        "月度抽查每个乡镇（街道）最少件数",
        Kind.INT,
        "件",
        "S1",
        "新增对象少于此数时全部抽查",
        0,
        1000,
        _SUP,
    ),
    ParamDef(
        "supervision.home_check_percent",
        "年度在保对象入户抽查比例",
        Kind.PERCENT,
        "%",
        "S2",
        "",
        0,
        100,
        _SUP,
    ),
    ParamDef(
        "supervision.home_check_minimum",
        "年度入户抽查每个乡镇（街道）最少户数",
        Kind.INT,
        "户",
        "S2",
        "",
        0,
        1000,
        _SUP,
    ),
    ParamDef(
        "supervision.home_visit_working_days",
        "受理后入户调查时限（预警）",
        Kind.INT,
        "个工作日",
        "I1、S6",
        "受理超过此数仍无入户调查记录的申请产生预警",
        1,
        60,
        _SUP,
    ),
    ParamDef(
        "supervision.prompt_due_working_days",
        "督办整改默认时限",
        Kind.INT,
        "个工作日",
        "S7",
        "下达提示函等督办时默认的整改时限",
        1,
        120,
        _SUP,
    ),
    ParamDef(
        "complaint.reply_working_days",
        "投诉举报答复时限",
        Kind.INT,
        "个工作日",
        "S8",
        "自收到之日起",
        1,
        120,
        _SUP,
    ),
    ParamDef(
        "supervision.alert_open_days",
        "预警处理时限",
        Kind.INT,
        "天",
        "S6、S9",
        "预警超过此天数未处理的，计入乡镇（街道）考评",
        1,
        365,
        _SUP,
    ),
    ParamDef("score.base", "考评基础分", Kind.PERCENT, "分", "S9", "", 0, 100, _SCORE),
    ParamDef(
        "score.points.overdue_case", "超期办理每件扣分", Kind.PERCENT, "分", "S9、P7", "", 0, 100, _SCORE
    ),
    ParamDef("score.points.finding_minor", "一般问题每个扣分", Kind.PERCENT, "分", "S9", "", 0, 100, _SCORE),
    ParamDef("score.points.finding_major", "较重问题每个扣分", Kind.PERCENT, "分", "S9", "", 0, 100, _SCORE),
    ParamDef(
        "score.points.finding_serious", "严重问题每个扣分", Kind.PERCENT, "分", "S9", "", 0, 100, _SCORE
    ),
    ParamDef(
        "score.points.complaint", "投诉举报查实每件扣分", Kind.PERCENT, "分", "S9、S8", "", 0, 100, _SCORE
    ),
    ParamDef(
        "score.points.problem_data",
        "问题数据率超标每个百分点扣分",
        Kind.PERCENT,
        "分",
        "S9、S11",
        "问题数据率超过“问题数据率上限”的部分",
        0,
        100,
        _SCORE,
    ),
    ParamDef(
        "score.points.open_alert",
        "逾期未处理预警每条扣分",
        Kind.PERCENT,
        "分",
        "S9、S6",
        "",
        0,
        100,
        _SCORE,
    ),
    ParamDef(
        "score.points.overdue_matter",
        "督办逾期未回复每件扣分",
        Kind.PERCENT,
        "分",
        "S9、S7",
        "",
        0,
        100,
        _SCORE,
    ),
    ParamDef(
        "score.points.late_emergency",
        "急难救助逾期补办登记每件扣分",
        Kind.PERCENT,
        "分",
        "S9、P8",
        "先行救助后超过补办登记时限仍未登记，或逾期才登记",
        0,
        100,
        _SCORE,
    ),
    ParamDef(
        "score.points.backfilled_step",
        "超过补录期限登记办理环节每个扣分",
        Kind.PERCENT,
        "分",
        "S9、补录",
        "经民政局批准补录、日期早于补录期限的办理环节",
        0,
        100,
        _SCORE,
    ),
    ParamDef(
        "score.points.handled_unresolved",
        "预警标记已处理但问题仍在每条扣分",
        Kind.PERCENT,
        "分",
        "S9、S6",
        "预警已标记处理，月末扫描时问题仍然存在",
        0,
        100,
        _SCORE,
    ),
    ParamDef(
        "supervision.backfill_watch_days",
        "补录环节预警期",
        Kind.INT,
        "天",
        "S6、补录",
        "补录的办理环节在此天数内列入预警，供民政局复核",
        1,
        365,
        _SUP,
    ),
    ParamDef(
        "staffing.township_min", "乡镇（街道）专职工作人员下限", Kind.INT, "人", "聊城五", "", 0, 100, _CAP
    ),
    ParamDef(
        "staffing.township_max", "乡镇（街道）专职工作人员上限", Kind.INT, "人", "聊城五", "", 0, 100, _CAP
    ),
    ParamDef(
        "staffing.village_assistant_min",
        "每村（社区）社会救助协理员下限",
        Kind.INT,
        "人",
        "聊城五",
        "",
        0,
        20,
        _CAP,
    ),
    ParamDef("training.min_per_year", "县级年度业务培训次数下限", Kind.INT, "次", "聊城五", "", 0, 52, _CAP),
)

DEFAULTS_FILE = Path(__file__).with_name("policy_defaults.json")
CHECKLIST_FILE = Path(__file__).with_name("checklists.json")


def load_defaults(parameter_model, now) -> int:
    """Insert this app's national defaults that are not in the database yet (migrations, test worlds)."""
    return params.load_defaults_from(DEFAULTS_FILE, parameter_model, now)


def load_checklists(item_model) -> int:
    """The national S3/S4/S2 checklists as data; a county adds or replaces items on the checklist page."""
    created = 0
    for row in json.loads(CHECKLIST_FILE.read_text(encoding="utf-8")):
        _, made = item_model.objects.get_or_create(
            kind=row["kind"],
            code=row["code"],
            scope_code="",
            defaults={
                "text": row["text"],
                "rule": row.get("rule", ""),
                "evidence_hint": row.get("evidence", ""),
                "sort": row["sort"],
            },
        )
        created += made
    return created
