from __future__ import annotations

from django import forms

from jiuzhu.core import textlimits
from jiuzhu.core.forms import BootstrapMixin, DateInput, set_choices
from jiuzhu.core.types import AssistanceType, Category
from jiuzhu.orgs.models import GrantPhase
from jiuzhu.orgs.roles import Role


class GrantForm(BootstrapMixin, forms.Form):
    township = forms.ChoiceField(label="乡镇（街道）")
    category = forms.ChoiceField(label="救助类别", choices=Category.choices)
    valid_from = forms.DateField(label="委托起始日", widget=DateInput())
    valid_to = forms.DateField(
        label="委托截止日", widget=DateInput(), required=False, help_text="留空表示长期有效"
    )
    letter_no = forms.CharField(label="委托书文号", max_length=60)
    signed_on = forms.DateField(label="委托书签署日期", widget=DateInput())
    phase = forms.ChoiceField(label="推进阶段", choices=GrantPhase.choices)
    letter_file = forms.FileField(label="委托书扫描件", required=False)

    def __init__(self, *args, townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "township", [(t.code, t.name) for t in townships])


class SuspendForm(BootstrapMixin, forms.Form):
    start = forms.DateField(label="暂停起始日", widget=DateInput())
    reason = forms.CharField(
        max_length=textlimits.PARAGRAPH, label="暂停原因", widget=forms.Textarea(attrs={"rows": 2})
    )


class ResumeForm(BootstrapMixin, forms.Form):
    on = forms.DateField(label="恢复日期", widget=DateInput())
    reason = forms.CharField(
        max_length=textlimits.PARAGRAPH,
        label="恢复说明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RevokeForm(BootstrapMixin, forms.Form):
    on = forms.DateField(label="撤销生效日", widget=DateInput())
    reason = forms.CharField(
        max_length=textlimits.PARAGRAPH, label="撤销原因", widget=forms.Textarea(attrs={"rows": 2})
    )


class WhoDecidesForm(BootstrapMixin, forms.Form):
    township = forms.ChoiceField(label="乡镇（街道）")
    assistance_type = forms.ChoiceField(label="救助类型", choices=AssistanceType.choices)
    day = forms.DateField(label="决定日期", widget=DateInput())

    def __init__(self, *args, townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "township", [(t.code, t.name) for t in townships])


class TokenForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label="用途", max_length=80, help_text="如：省平台数据交换")
    write = forms.BooleanField(label="允许写入（否则只读）", required=False)
    days = forms.IntegerField(
        label="有效天数", min_value=1, max_value=3650, required=False, help_text="留空表示长期有效"
    )


class StaffForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=60)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    organisation = forms.ChoiceField(label="所在单位")
    role = forms.ChoiceField(label="岗位", choices=Role.choices)
    password = forms.CharField(
        max_length=128, label="初始密码", widget=forms.PasswordInput(render_value=True)
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(
            self, "organisation", [(o.pk, f"{o.jurisdiction.name} · {o.name}") for o in organisations]
        )


class MembershipForm(BootstrapMixin, forms.Form):
    organisation = forms.ChoiceField(label="所在单位")
    role = forms.ChoiceField(label="岗位", choices=Role.choices)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(
            self, "organisation", [(o.pk, f"{o.jurisdiction.name} · {o.name}") for o in organisations]
        )


class MembershipEndForm(BootstrapMixin, forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="说明", max_length=200, required=False, help_text="如：调离、退休")


class DeactivateForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="停用原因", widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class ReactivateForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label="说明", widget=forms.Textarea(attrs={"rows": 2}), max_length=500, required=False
    )


class PasswordResetForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label="说明", max_length=200, required=False, help_text="如：本人遗忘密码，电话核实身份"
    )


class MfaResetForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="原因", max_length=200, help_text="如：手机丢失，已电话核实本人身份")
