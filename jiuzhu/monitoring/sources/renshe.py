"""人社: new employment, pension payments and unemployment benefit — income the household may not have
declared."""

from jiuzhu.monitoring.models.watch import Source, WarningCategory
from jiuzhu.monitoring.sources.base import Record, SourceLayout

LAYOUT = SourceLayout(
    code=Source.RENSHE,
    department="人力资源和社会保障局",
    records=(
        Record("新增就业", WarningCategory.INCOME_UP, need="employment", title="新增就业登记"),
        Record("养老金", WarningCategory.INCOME_UP, title="领取养老金"),
        Record("失业金", WarningCategory.INCOME_UP, need="employment", title="领取失业保险金"),
    ),
    date_headers=("日期", "起始日期", "发放日期"),
    amount_headers=("月金额", "金额", "工资"),
    note_headers=("单位", "说明", "备注"),
    rule_text="在册人员的新增就业、领取养老金和失业保险金均生成“收入增加”预警",
)
