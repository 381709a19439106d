"""市场监管: businesses registered with a person as owner, partner or legal representative."""

from jiuzhu.monitoring.models.watch import Source, WarningCategory
from jiuzhu.monitoring.sources.base import Record, SourceLayout

LAYOUT = SourceLayout(
    code=Source.SHICHANG,
    department="市场监督管理局",
    records=(Record("工商登记", WarningCategory.ASSETS, title="登记经营主体"),),
    date_headers=("成立日期", "登记日期", "日期"),
    amount_headers=("注册资本", "金额"),
    note_headers=("企业名称", "说明", "备注"),
    rule_text="在册人员新登记为经营主体（个体户、企业投资人或法定代表人）生成“资产变化”预警",
)
