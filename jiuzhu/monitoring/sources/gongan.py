"""公安: deaths (DM1: payment stops from the next month), household-registration moves out of the county, and
vehicles registered."""

from jiuzhu.monitoring.models.watch import Source, WarningCategory
from jiuzhu.monitoring.sources.base import Record, SourceLayout

LAYOUT = SourceLayout(
    code=Source.GONGAN,
    department="公安局",
    records=(
        Record("死亡", WarningCategory.DEATH, title="死亡（户籍注销）"),
        Record("迁出", WarningCategory.MOVED_OUT, title="户籍迁出本县"),
        Record("车辆", WarningCategory.ASSETS, title="登记机动车"),
    ),
    date_headers=("日期", "死亡日期", "迁出日期", "登记日期", "注销日期"),
    amount_headers=("金额", "车辆价格"),
    note_headers=("说明", "迁往地", "车辆型号", "备注"),
    rule_text="在册人员的死亡、户籍迁出本县和机动车登记均生成预警",
)
