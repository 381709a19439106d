"""Portal forms: large touch targets, few fields, Chinese labels and messages."""

from __future__ import annotations

from django import forms

from jiuzhu.core.forms import BootstrapMixin, set_choices
from jiuzhu.core.types import AssistanceType
from jiuzhu.portal import phone as phone_codes
from jiuzhu.portal.models import ComplaintKind
from jiuzhu.registry.models import AssetKind, IncomeCategory, Relation

MEMBER_RELATIONS = [(v, label) for v, label in Relation.choices if v != Relation.HEAD]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png", "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ApplicationForm(BootstrapMixin, forms.Form):
    assistance_type = forms.ChoiceField(label="申请救助类型", choices=AssistanceType.choices)
    area_code = forms.ChoiceField(label="居住的村（社区）", choices=())
    address = forms.CharField(label="详细住址", max_length=200)
    phone = forms.CharField(
        label="联系电话",
        max_length=20,
        min_length=5,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    head_name = forms.CharField(label="户主姓名", max_length=60)
    head_id_number = forms.CharField(
        label="户主身份证号",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reason = forms.CharField(
        label="申请原因",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="请简要说明家庭困难情况，如患病、残疾、失业、意外等",
    )
    requested_amount = forms.CharField(
        label="申请金额（元，仅临时救助填写）",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    uploads = MultipleFileField(
        label="上传材料照片（可选）",
        required=False,
        help_text="可拍照上传户口簿、身份证、病历、残疾证等（JPG、PNG 或 PDF，最多 10 个）。能通过部门共享获取的材料无需上传。",
    )
    head_code = forms.CharField(
        label="户主手机验证码",
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        help_text="点“获取验证码”发送到上面的联系电话，用于户主在网上确认授权书和承诺书",
    )
    consent_verification = forms.BooleanField(
        label="本人同意授权民政部门对家庭经济状况进行核对（家庭经济状况核对授权书）",
        error_messages={"required": "须同意家庭经济状况核对授权"},
    )
    consent_commitment = forms.BooleanField(
        label="本人承诺所填家庭成员、收入、财产及近亲属备案情况真实完整，如有隐瞒愿承担相应责任（承诺书）",
        error_messages={"required": "须签署承诺书"},
    )

    def __init__(self, *args, villages: list, items: list | None = None, codes: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not codes:  # no SMS gateway: consents are signed at the window, not confirmed by code
            del self.fields["head_code"]
        set_choices(
            self,
            "area_code",
            [("", "请选择")] + [(township, [(v.code, v.name) for v in rows]) for township, rows in villages],
        )
        # One upload field per checklist item the household may have to provide itself (A3).
        for code, name, kinds in items or []:
            self.fields[f"item_{code}"] = MultipleFileField(label=name, required=False, help_text=kinds)

    def item_uploads(self) -> dict[str, list]:
        return {
            name[len("item_") :]: files
            for name, files in self.cleaned_data.items()
            if name.startswith("item_") and files
        }

    def item_fields(self):
        return [self[name] for name in self.fields if name.startswith("item_")]


class MemberForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=60)
    id_number = forms.CharField(
        label="身份证号", max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    relation = forms.ChoiceField(label="与户主关系", choices=MEMBER_RELATIONS)
    phone = forms.CharField(
        label="手机号码（成年成员必填）",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    code = forms.CharField(
        label="手机验证码",
        max_length=8,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    consent = forms.BooleanField(
        label="本人同意家庭经济状况核对授权，并承诺所填情况真实完整（授权书、承诺书）", required=False
    )

    def clean(self):
        data = super().clean() or {}
        if data.get("phone") and not data.get("consent"):
            self.add_error("consent", "请本人勾选同意授权并承诺")
        if data.get("phone") and not data.get("code") and phone_codes.available():
            self.add_error("code", "请填写验证码")
        return data


MemberFormSet = forms.formset_factory(MemberForm, extra=0, max_num=20, validate_max=True)


class IncomeForm(BootstrapMixin, forms.Form):
    owner = forms.CharField(label="收入人（姓名，全家共同收入可不填）", max_length=60, required=False)
    category = forms.ChoiceField(label="收入类别", choices=IncomeCategory.choices)
    description = forms.CharField(label="说明", max_length=200)
    monthly_amount = forms.CharField(
        label="月均金额（元）", max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )


class AssetForm(BootstrapMixin, forms.Form):
    owner = forms.CharField(label="所有人（姓名，可不填）", max_length=60, required=False)
    kind = forms.ChoiceField(label="财产类别", choices=AssetKind.choices)
    description = forms.CharField(label="说明（如房屋位置、车辆型号、开户银行）", max_length=200)
    quantity = forms.CharField(label="数量/面积", max_length=20, required=False)
    unit = forms.CharField(label="单位（如 平方米、亩、辆）", max_length=10, required=False)
    value = forms.CharField(
        label="估值或余额（元）",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


IncomeFormSet = forms.formset_factory(IncomeForm, extra=0, max_num=30, validate_max=True)
AssetFormSet = forms.formset_factory(AssetForm, extra=0, max_num=30, validate_max=True)


class QueryForm(BootstrapMixin, forms.Form):
    number = forms.CharField(
        label="申请编号",
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "如 230502-2026-000001", "autocomplete": "off"}),
    )
    id_number = forms.CharField(
        label="申请人或家庭成员的身份证号",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class ObjectionForm(BootstrapMixin, forms.Form):
    content = forms.CharField(
        label="异议内容", min_length=5, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    contact = forms.CharField(label="联系电话（可选）", max_length=60, required=False)


class ComplaintForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label="类别",
        choices=ComplaintKind.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    area_code = forms.ChoiceField(label="涉及地区", choices=())
    case_number = forms.CharField(label="相关申请编号（可选）", max_length=20, required=False)
    content = forms.CharField(
        label="具体内容", min_length=5, max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    name = forms.CharField(label="您的姓名（可匿名）", max_length=60, required=False)
    phone = forms.CharField(
        label="联系电话（便于回访，可不填）",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def __init__(self, *args, areas: list, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "area_code",
            [("", "请选择")] + [(county, [(a.code, a.name) for a in rows]) for county, rows in areas],
        )
