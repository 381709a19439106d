"""Forms of the supervision pages (parsing only; the rules are in the services)."""

from __future__ import annotations

from django import forms

from jiuzhu.core import clock
from jiuzhu.core.forms import BootstrapMixin, DateInput, set_choices
from jiuzhu.supervision.models import (
    ChecklistKind,
    ComplaintChannel,
    InvestigationMethod,
    Level,
    SampleKind,
    Satisfaction,
    Severity,
)


def _today(**extra):
    return {"on": clock.today(), **extra}


class DrawForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label="抽查类别", choices=SampleKind.choices)
    county = forms.ChoiceField(label="县（区）")
    on = forms.DateField(label="抽查期间（所在月份/年度的任一日）", widget=DateInput())

    def __init__(self, *args, counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "county", [(c.code, c.name) for c in counties])


class StartInspectionForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label="检查清单", choices=ChecklistKind.choices)
    inspected_on = forms.DateField(label="检查日期", widget=DateInput())
    on_site = forms.BooleanField(label="实地入户", required=False)


class CompleteForm(BootstrapMixin, forms.Form):
    conclusion = forms.CharField(label="检查结论", widget=forms.Textarea(attrs={"rows": 3}))
    severity = forms.ChoiceField(label="不符合项目形成问题的严重程度", choices=Severity.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


class FindingForm(BootstrapMixin, forms.Form):
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 2}))
    severity = forms.ChoiceField(label="严重程度", choices=Severity.choices)
    rule = forms.CharField(label="依据", required=False, max_length=40)
    found_on = forms.DateField(label="发现日期", widget=DateInput())


class RectifyForm(BootstrapMixin, forms.Form):
    rectified_on = forms.DateField(label="整改日期", widget=DateInput())
    rectification = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(BootstrapMixin, forms.Form):
    assignee = forms.ChoiceField(label="指派给")

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "assignee", [(u.pk, u.get_full_name()) for u in people])


class ChecklistItemForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label="清单", choices=ChecklistKind.choices)
    code = forms.CharField(label="编码", max_length=40)
    text = forms.CharField(label="检查内容", max_length=300)
    rule = forms.CharField(label="依据", max_length=40, required=False)
    evidence_hint = forms.CharField(label="查验材料", max_length=300, required=False)
    sort = forms.IntegerField(label="排序", min_value=0, max_value=30000, initial=100)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)


class StepForm(BootstrapMixin, forms.Form):
    level = forms.ChoiceField(label="督办层级", choices=Level.choices)
    issued_on = forms.DateField(label="下达日期", widget=DateInput())
    due_on = forms.DateField(
        label="整改时限", widget=DateInput(), required=False, help_text="留空按默认工作日数计算"
    )
    measures = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 2}))
    responsible = forms.CharField(label="整改责任人", max_length=60)
    content = forms.CharField(label="督办内容", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, levels=None, **kwargs):
        super().__init__(*args, **kwargs)
        if levels is not None:
            set_choices(self, "level", [(v, Level(v).label) for v in levels])


class MatterForm(StepForm):
    township = forms.ChoiceField(label="乡镇（街道）")
    title = forms.CharField(label="督办事项", max_length=120)
    problem = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 3}))
    field_order = [
        "township",
        "title",
        "problem",
        "level",
        "issued_on",
        "due_on",
        "measures",
        "responsible",
        "content",
    ]

    def __init__(self, *args, townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "township", [(t.code, t.name) for t in townships])


class AnswerForm(BootstrapMixin, forms.Form):
    answer = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 3}))
    answered_on = forms.DateField(label="回复日期", widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput)


class CloseForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label="办结意见", widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ComplaintForm(BootstrapMixin, forms.Form):
    channel = forms.ChoiceField(label="渠道", choices=ComplaintChannel.choices)
    received_on = forms.DateField(label="收到日期", widget=DateInput())
    area_code = forms.ChoiceField(label="涉及乡镇（街道）/村（社区）")
    complainant = forms.CharField(label="反映人", max_length=60, required=False)
    contact = forms.CharField(label="联系方式", max_length=60, required=False)
    anonymous = forms.BooleanField(label="匿名", required=False)
    case_number = forms.CharField(label="涉及申请编号", max_length=20, required=False)
    content = forms.CharField(label="反映内容", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "area_code", [(a.code, ("　" if a.level == 5 else "") + a.name) for a in areas])


class InvestigateForm(BootstrapMixin, forms.Form):
    method = forms.ChoiceField(label="调查方式", choices=InvestigationMethod.choices)
    on = forms.DateField(label="调查日期", widget=DateInput())
    investigation = forms.CharField(label="调查核实情况", widget=forms.Textarea(attrs={"rows": 3}))
    substantiated = forms.BooleanField(label="反映属实", required=False)
    severity = forms.ChoiceField(label="问题严重程度（属实时）", choices=Severity.choices)


class ReplyForm(BootstrapMixin, forms.Form):
    on = forms.DateField(label="答复日期", widget=DateInput())
    reply = forms.CharField(label="答复内容", widget=forms.Textarea(attrs={"rows": 3}))


class ReturnVisitForm(BootstrapMixin, forms.Form):
    on = forms.DateField(label="回访日期", widget=DateInput())
    satisfaction = forms.ChoiceField(label="满意度", choices=Satisfaction.choices)
    note = forms.CharField(label="回访情况", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ComputeForm(BootstrapMixin, forms.Form):
    county = forms.ChoiceField(label="县（区）")
    month = forms.DateField(label="月份（任一日）", widget=DateInput())

    def __init__(self, *args, counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "county", [(c.code, c.name) for c in counties])


class AllocationForm(BootstrapMixin, forms.Form):
    township = forms.ChoiceField(label="乡镇（街道）")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    amount = forms.DecimalField(label="拨付金额（元）", max_digits=14, decimal_places=2)
    allocated_on = forms.DateField(label="拨付日期", widget=DateInput())
    document_no = forms.CharField(label="拨付文号", max_length=60, required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "township", [(t.code, t.name) for t in townships])


class TrainingForm(BootstrapMixin, forms.Form):
    county = forms.ChoiceField(label="县（区）")
    held_on = forms.DateField(label="培训日期", widget=DateInput())
    title = forms.CharField(label="培训名称", max_length=120)
    organiser = forms.CharField(label="主办单位", max_length=120)
    hours = forms.DecimalField(label="学时", max_digits=5, decimal_places=1)
    attendees = forms.MultipleChoiceField(
        label="参训工作人员", required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    other_attendees = forms.IntegerField(label="其他参训人数", min_value=0, initial=0)
    content = forms.CharField(label="培训内容", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, counties=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "county", [(c.code, c.name) for c in counties])
        set_choices(
            self, "attendees", [(m.user_id, f"{m.user.get_full_name()}（{m.organisation}）") for m in people]
        )
