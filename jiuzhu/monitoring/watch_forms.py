"""Forms of the watch pages (parsing only; the rules are in the services)."""

from __future__ import annotations

from django import forms

from jiuzhu.benefits.models import ReviewOutcome
from jiuzhu.core import textlimits
from jiuzhu.core.forms import BootstrapMixin, DateInput, set_choices
from jiuzhu.core.types import AssistanceType
from jiuzhu.monitoring.models.watch import Need, Source, VerifyMethod


def _text(label: str, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        max_length=textlimits.PARAGRAPH, label=label, widget=forms.Textarea(attrs={"rows": rows})
    )


class ImportForm(BootstrapMixin, forms.Form):
    source = forms.ChoiceField(label="数据来源", choices=Source.choices)
    file = forms.FileField(label="比对文件（.xlsx 或 .csv）")


class VerifyForm(BootstrapMixin, forms.Form):
    method = forms.ChoiceField(label="核实方式", choices=VerifyMethod.choices)
    on = forms.DateField(label="核实日期", widget=DateInput())
    confirmed = forms.TypedChoiceField(
        label="核实结论",
        choices=[("1", "情况属实"), ("0", "情况不属实")],
        coerce=lambda v: v == "1",
    )
    note = _text("核实情况")


class EnrolForm(BootstrapMixin, forms.Form):
    assistance_type = forms.ChoiceField(label="救助类型", choices=AssistanceType.choices)
    applicant = forms.ChoiceField(label="申请人")
    reason = _text("申请原因")

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "applicant", [(str(m.pk), m.name) for m in members])


class AdjustForm(BootstrapMixin, forms.Form):
    outcome = forms.ChoiceField(label="调整结论", choices=ReviewOutcome.choices)
    findings = _text("核查情况")


class ReferForm(BootstrapMixin, forms.Form):
    need = forms.ChoiceField(label="专项救助", choices=Need.choices)
    department = forms.CharField(label="接收部门", max_length=60)
    sent_on = forms.DateField(label="转介日期", widget=DateInput())
    note = _text("转介说明")


class CloseForm(BootstrapMixin, forms.Form):
    reason = _text("无需处理的理由")


class AnswerForm(BootstrapMixin, forms.Form):
    answered_on = forms.DateField(label="反馈日期", widget=DateInput())
    granted = forms.TypedChoiceField(
        label="是否给予救助",
        choices=[("1", "已给予救助"), ("0", "未给予救助")],
        coerce=lambda v: v == "1",
    )
    amount = forms.CharField(label="救助金额（元，未发放现金的不填）", max_length=20, required=False)
    answer = _text("部门反馈")
