"""不动产: property registered to a person."""

from jiuzhu.monitoring.models.watch import Source, WarningCategory
from jiuzhu.monitoring.sources.base import Record, SourceLayout

LAYOUT = SourceLayout(
    code=Source.BUDONGCHAN,
    department="不动产登记中心",
    records=(Record("不动产登记", WarningCategory.ASSETS, need="housing", title="新登记不动产"),),
    date_headers=("登记日期", "日期"),
    amount_headers=("交易金额", "金额"),
    note_headers=("坐落", "说明", "备注"),
    rule_text="在册人员名下新登记不动产生成“资产变化”预警",
)
