"""医保: a person's out-of-pocket spending in one hospital stay — above one threshold for people already
monitored (低保, 特困, 低收入), above a higher one for other registered residents (both parameters)."""

from decimal import Decimal

from jiuzhu.monitoring.models.watch import Source, WarningCategory
from jiuzhu.monitoring.sources.base import Record, Row, SourceLayout


def over_threshold(row: Row, monitored: bool, param) -> bool:
    key = "monitoring.medical.monitored_threshold" if monitored else "monitoring.medical.resident_threshold"
    return row.amount is not None and row.amount > Decimal(str(param(key)))


LAYOUT = SourceLayout(
    code=Source.YIBAO,
    department="医疗保障局",
    records=(Record("住院自付", WarningCategory.SPENDING_UP, need="medical", title="住院个人自付费用"),),
    date_headers=("结算日期", "出院日期", "日期"),
    amount_headers=("个人自付金额", "自付金额", "金额"),
    amount_required=True,
    note_headers=("医疗机构", "说明", "备注"),
    rule=over_threshold,
    rule_text="一次住院个人自付超过门槛：已纳入监测的家庭成员按“监测对象门槛”，其他在册居民按“一般居民门槛”",
    params=("monitoring.medical.monitored_threshold", "monitoring.medical.resident_threshold"),
)
