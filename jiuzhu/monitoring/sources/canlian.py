"""残联: new disability certificates and changes of grade."""

from jiuzhu.monitoring.models.watch import Source, WarningCategory
from jiuzhu.monitoring.sources.base import Record, SourceLayout

LAYOUT = SourceLayout(
    code=Source.CANLIAN,
    department="残疾人联合会",
    records=(
        Record("新办证", WarningCategory.DISABILITY, title="新办残疾人证"),
        Record("等级变更", WarningCategory.DISABILITY, title="残疾等级变更"),
    ),
    date_headers=("发证日期", "变更日期", "日期"),
    note_headers=("残疾类别等级", "说明", "备注"),
    rule_text="在册人员新办残疾人证或残疾等级变更均生成“新增残疾”预警",
)
