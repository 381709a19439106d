"""Forms of the step panel after acceptance, one per action of `views_steps.ACTIONS`; the services check the
rules, the forms only parse what was typed."""

from __future__ import annotations

from django import forms

from jiuzhu.cases.models_steps import ObjectionOutcome, Outcome, VerifyResult
from jiuzhu.core.forms import BootstrapMixin, DateInput


class DateForm(BootstrapMixin, forms.Form):
    on = forms.DateField(label="日期", widget=DateInput())
    note = forms.CharField(label="说明", max_length=300, required=False)


class ReturnForm(BootstrapMixin, forms.Form):
    on = forms.DateField(label="退回日期", widget=DateInput())
    reason = forms.CharField(label="退回原因", widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class VerificationResultForm(BootstrapMixin, forms.Form):
    completed_on = forms.DateField(label="核对完成日期", widget=DateInput())
    result = forms.ChoiceField(label="核对结果", choices=VerifyResult.choices)
    monthly_income = forms.CharField(label="核对家庭月收入（元）", max_length=20, required=False)
    per_capita_income = forms.CharField(label="人均月收入（元）", max_length=20, required=False)
    assets_value = forms.CharField(label="核对家庭财产（元）", max_length=20, required=False)
    findings = forms.CharField(
        label="核对情况与理由", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class InvestigationForm(BootstrapMixin, forms.Form):
    visited_on = forms.DateField(label="入户日期", widget=DateInput())
    investigators = forms.MultipleChoiceField(
        label="调查人员（至少两人）", widget=forms.CheckboxSelectMultiple
    )
    village_helper = forms.CharField(label="村（居）协助人员", max_length=60, required=False)
    home_visit = forms.CharField(label="入户核查情况", widget=forms.Textarea(attrs={"rows": 3}))
    neighbour_interviews = forms.CharField(
        label="邻里走访情况", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    letters = forms.CharField(label="信函索证情况", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    conclusion = forms.CharField(label="调查结论", widget=forms.Textarea(attrs={"rows": 2}))
    investigators_signed = forms.BooleanField(label="调查人员已在入户调查表上签字", required=False)
    applicant_signed = forms.BooleanField(label="申请人已在入户调查表上签字", required=False)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        investigators = self.fields["investigators"]
        assert isinstance(investigators, forms.ChoiceField)
        investigators.choices = [(u.pk, u.get_full_name()) for u in staff]


class ReviewForm(BootstrapMixin, forms.Form):
    held_on = forms.DateField(label="评议日期", widget=DateInput())
    panel = forms.CharField(label="评议小组成员（每行一人）", widget=forms.Textarea(attrs={"rows": 5}))
    minutes = forms.CharField(label="评议记录", widget=forms.Textarea(attrs={"rows": 3}))
    votes_for = forms.IntegerField(label="认可票数", min_value=0)
    votes_against = forms.IntegerField(label="不认可票数", min_value=0)
    all_signed = forms.BooleanField(label="所有参加评议人员已签字确认", required=False)


class MeetingForm(BootstrapMixin, forms.Form):
    held_on = forms.DateField(label="会议日期", widget=DateInput())
    attendees = forms.CharField(label="参会人员（每行“姓名 职务”）", widget=forms.Textarea(attrs={"rows": 4}))
    minutes = forms.CharField(label="会议记录", widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(label="审批意见", choices=Outcome.choices)
    amount = forms.CharField(label="保障/救助金额（元；低保、特困留空按测算）", max_length=20, required=False)
    covered_members = forms.IntegerField(label="保障人数", min_value=1, required=False)
    reasons = forms.CharField(
        label="理由（不同意时必填）", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def attendee_list(self) -> list[dict]:
        out = []
        for line in self.cleaned_data["attendees"].splitlines():
            parts = line.strip().split(maxsplit=1)
            if parts:
                out.append({"name": parts[0], "title": parts[1] if len(parts) > 1 else ""})
        return out


class ObjectionForm(BootstrapMixin, forms.Form):
    received_on = forms.DateField(label="收到日期", widget=DateInput())
    raised_by = forms.CharField(label="异议人", max_length=60, required=False)
    contact = forms.CharField(label="联系方式", max_length=60, required=False)
    content = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(BootstrapMixin, forms.Form):
    handled_on = forms.DateField(label="处理日期", widget=DateInput())
    outcome = forms.ChoiceField(label="复核结论", choices=ObjectionOutcome.choices)
    handling = forms.CharField(label="复核情况", widget=forms.Textarea(attrs={"rows": 2}))


class DisputeForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="争议情况", max_length=300)


class EmergencyAidForm(BootstrapMixin, forms.Form):
    requested_at = forms.DateTimeField(
        label="求助时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    paid_at = forms.DateTimeField(
        label="先行救助时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    amount = forms.CharField(label="救助金额（元）", max_length=20)


class EmergencyRegisterForm(BootstrapMixin, forms.Form):
    registered_on = forms.DateField(label="补办登记日期", widget=DateInput())
    recipient_note = forms.CharField(label="救助对象、救助事由", widget=forms.Textarea(attrs={"rows": 2}))
    signatures_completed = forms.BooleanField(label="经办人员签字、盖章手续已补齐", required=False)


class NoticeForm(BootstrapMixin, forms.Form):
    start_on = forms.DateField(label="公示开始日期", widget=DateInput())
    places = forms.CharField(label="公示地点（留空为乡镇和村公示栏）", max_length=200, required=False)
