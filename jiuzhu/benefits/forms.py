from __future__ import annotations

from django import forms

from jiuzhu.benefits.calculators import SELFCARE_ITEMS
from jiuzhu.benefits.models import CareForm, ReviewOutcome
from jiuzhu.benefits.services import TerminationReason
from jiuzhu.core.forms import BootstrapMixin, DateInput


class BankAccountForm(BootstrapMixin, forms.Form):
    bank_name = forms.CharField(label="开户银行", max_length=60)
    holder = forms.CharField(label="户名", max_length=60)
    account = forms.CharField(
        label="银行账号",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class ReviewForm(BootstrapMixin, forms.Form):
    done_on = forms.DateField(label="核查日期", widget=DateInput())
    outcome = forms.ChoiceField(label="核查结论", choices=ReviewOutcome.choices)
    new_amount = forms.CharField(
        label="调整后月金额（元，低保留空按当前家庭收入重新计算）", max_length=20, required=False
    )
    gradual_exit = forms.BooleanField(label="停发时实行渐退", required=False)
    findings = forms.CharField(
        label="核查情况（减发、停发时即告知书所载理由）", widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 2}))


class TerminateForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label="终止原因", choices=list(TerminationReason.LABELS.items()))
    on = forms.DateField(label="发生日期", widget=DateInput())
    reason = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 2}))
    to_recover = forms.CharField(label="应追回金额（元，骗取救助时填写）", max_length=20, required=False)


class AssessmentForm(BootstrapMixin, forms.Form):
    member = forms.ChoiceField(label="被评估人")
    assessed_on = forms.DateField(label="评估日期", widget=DateInput())
    unmet = forms.MultipleChoiceField(
        label="达不到的指标（不勾选即全部能自主完成）",
        choices=SELFCARE_ITEMS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    care_form = forms.ChoiceField(label="供养形式（按本人意愿）", choices=CareForm.choices)
    assessors = forms.CharField(label="评估人员", max_length=120)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        member = self.fields["member"]
        assert isinstance(member, forms.ChoiceField)
        member.choices = [(m.pk, m.name) for m in members]


class DeathImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label="死亡信息文件（.xlsx 或 .csv，须有“身份证号”“死亡日期”列）", required=False)
    good_only = forms.BooleanField(label="有错误行时，仍登记其余各行（否则不作任何登记）", required=False)
