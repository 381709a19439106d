"""Forms of the application and intake pages (A1–A4, DM2); the services check the rules, the forms only
parse what was typed."""

from __future__ import annotations

from django import forms

from jiuzhu.cases.models import SignatureKind
from jiuzhu.core.forms import BootstrapMixin, DateInput
from jiuzhu.core.types import AssistanceType


class CaseForm(BootstrapMixin, forms.Form):
    assistance_type = forms.ChoiceField(label="救助类型", choices=AssistanceType.choices)
    applicant = forms.ChoiceField(label="申请人", help_text="户主，或以户主名义申请的家庭成员")
    applied_on = forms.DateField(
        label="申请日期", widget=DateInput(), help_text="补录纸质申请时填写实际申请日期，不能晚于今天"
    )
    township_code = forms.ChoiceField(label="受理乡镇（街道）")
    reason = forms.CharField(label="申请原因", widget=forms.Textarea(attrs={"rows": 3}))
    requested_amount = forms.CharField(label="申请金额（元，临时救助填写）", required=False, max_length=20)
    consent_on = forms.DateField(
        label="本户同意申请的日期（主动发现转申请）", widget=DateInput(), required=False
    )

    def __init__(self, *args, members=(), townships=(), from_discovery=False, **kwargs):
        super().__init__(*args, **kwargs)
        applicant, township = self.fields["applicant"], self.fields["township_code"]
        assert isinstance(applicant, forms.ChoiceField) and isinstance(township, forms.ChoiceField)
        applicant.choices = [(m.pk, f"{m.name}（{m.get_relation_display()}）") for m in members]
        township.choices = [(t.code, t.name) for t in townships]
        if not from_discovery:
            del self.fields["consent_on"]


class MaterialForm(BootstrapMixin, forms.Form):
    requirement = forms.IntegerField(widget=forms.HiddenInput)
    member = forms.IntegerField(widget=forms.HiddenInput, required=False)
    received_on = forms.DateField(label="收到日期", widget=DateInput())
    note = forms.CharField(label="说明", max_length=200, required=False)


class SignatureForm(BootstrapMixin, forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=SignatureKind.choices, widget=forms.HiddenInput)
    signed_on = forms.DateField(label="签署日期", widget=DateInput())


class RefuseForm(BootstrapMixin, forms.Form):
    reasons = forms.CharField(label="不予受理的理由（每行一条）", widget=forms.Textarea(attrs={"rows": 3}))


class AcceptForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    accepted_on = forms.DateField(label="受理日期", widget=DateInput())


class WithdrawForm(BootstrapMixin, forms.Form):
    on = forms.DateField(label="撤回日期", widget=DateInput())
    reason = forms.CharField(label="撤回原因", max_length=200)


class FilingForm(BootstrapMixin, forms.Form):
    relative = forms.IntegerField(widget=forms.HiddenInput)
    filed_on = forms.DateField(label="备案日期", widget=DateInput())
    note = forms.CharField(
        label="备案说明",
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "如：经乡镇纪委备案，审批时回避相关人员"}),
    )
