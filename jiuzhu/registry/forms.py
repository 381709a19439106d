from __future__ import annotations

from typing import Any, cast

from django import forms

from jiuzhu.core import textlimits
from jiuzhu.core.forms import BootstrapMixin, DateInput
from jiuzhu.core.types import AssistanceType
from jiuzhu.registry.models import (
    AssetKind,
    Disability,
    Employment,
    ExpenseKind,
    IncomeCategory,
    LeftReason,
    Relation,
    RelativeRole,
    Schooling,
    UrbanRural,
    WorkAbility,
)
from jiuzhu.registry.services.member_input import MemberInput
from jiuzhu.registry.services.relatives import RelativeInput

BLANK = [("", "——")]


def _choose(form: forms.Form, name: str, choices: list[tuple[Any, str]]) -> None:
    """The choices of a choice field that depend on the user (villages, members …)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class HouseholdForm(BootstrapMixin, forms.Form):
    area_code = forms.ChoiceField(label="居住村（社区）")
    address = forms.CharField(label="住址", max_length=200)
    urban_rural = forms.ChoiceField(
        label="城乡属性",
        choices=BLANK + UrbanRural.choices,
        required=False,
        help_text="留空则按所在村（社区）",
    )
    hukou_area_code = forms.CharField(
        label="户籍地区划代码（12位）", max_length=12, required=False, help_text="户籍地与居住地不同时填写"
    )
    hukou_address = forms.CharField(label="户籍地址", max_length=200, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "area_code", BLANK + [(v.code, f"{v.parent.name} · {v.name}") for v in villages])


class HouseholdEditForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    address = forms.CharField(label="住址", max_length=200)
    urban_rural = forms.ChoiceField(label="城乡属性", choices=UrbanRural.choices)
    hukou_area_code = forms.CharField(label="户籍地区划代码（12位）", max_length=12, required=False)
    hukou_address = forms.CharField(label="户籍地址", max_length=200, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)


class MemberForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=60)
    id_number = forms.CharField(label="身份证号", max_length=20)
    relation = forms.ChoiceField(label="与户主关系", choices=Relation.choices)
    birth_date = forms.DateField(
        label="出生日期", widget=DateInput(), required=False, help_text="选填，用于与身份证号核对"
    )
    sex = forms.ChoiceField(label="性别", choices=[*BLANK, ("M", "男"), ("F", "女")], required=False)
    hukou_area_code = forms.CharField(label="户籍地区划代码", max_length=12, required=False)
    disability = forms.ChoiceField(label="残疾类别", choices=Disability.choices, required=False)
    disability_grade = forms.TypedChoiceField(
        label="残疾等级",
        coerce=int,
        empty_value=None,
        required=False,
        choices=BLANK + [(i, f"{i}级") for i in range(1, 5)],
    )
    work_ability = forms.ChoiceField(label="劳动能力", choices=WorkAbility.choices, initial=WorkAbility.FULL)
    serious_illness = forms.BooleanField(label="患重特大疾病", required=False)
    illness_note = forms.CharField(label="疾病情况", max_length=200, required=False)
    schooling = forms.ChoiceField(label="在学情况", choices=Schooling.choices, required=False)
    employment = forms.ChoiceField(label="就业状况", choices=Employment.choices, initial=Employment.NONE)
    covered = forms.BooleanField(label="计入保障人数", required=False, initial=True)
    covered_note = forms.CharField(label="不计入原因", max_length=200, required=False)

    def to_input(self) -> MemberInput:
        d = self.cleaned_data
        return MemberInput(
            name=d["name"],
            id_number=d["id_number"],
            relation=d["relation"],
            birth_date=d.get("birth_date"),
            sex=d.get("sex") or None,
            hukou_area_code=d.get("hukou_area_code", ""),
            disability=d.get("disability", ""),
            disability_grade=d.get("disability_grade"),
            work_ability=d["work_ability"],
            serious_illness=d.get("serious_illness", False),
            illness_note=d.get("illness_note", ""),
            schooling=d.get("schooling", ""),
            employment=d["employment"],
            covered=d.get("covered", False),
            covered_note=d.get("covered_note", ""),
        )


class BaseMemberFormSet(forms.BaseFormSet):
    def inputs(self) -> list[MemberInput]:
        return [f.to_input() for f in self.forms if f.has_changed() and f.cleaned_data]


MemberFormSet = cast(
    type[BaseMemberFormSet],
    forms.formset_factory(
        MemberForm, formset=BaseMemberFormSet, extra=0, min_num=1, validate_min=True, max_num=30
    ),
)


class MemberEditForm(MemberForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class LeaveForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label="离户日期", widget=DateInput())
    reason = forms.ChoiceField(label="原因", choices=LeftReason.choices)


class TransferForm(BootstrapMixin, forms.Form):
    """迁移 (A1): the household the person joins is chosen on the page first (`to`)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    to = forms.IntegerField(widget=forms.HiddenInput)
    relation = forms.ChoiceField(label="在迁入家庭中与户主关系", choices=Relation.choices)
    on = forms.DateField(label="迁移日期", widget=DateInput())
    reason = forms.CharField(
        label="迁移原因",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：婚嫁迁入、投靠子女、户口迁移；将记入两户的档案和审计日志",
    )


class IncomeForm(BootstrapMixin, forms.Form):
    category = forms.ChoiceField(label="类别", choices=IncomeCategory.choices)
    description = forms.CharField(label="说明", max_length=200)
    monthly_amount = forms.CharField(label="月均金额（元）", max_length=20)
    member = forms.ChoiceField(label="成员", required=False)
    excluded = forms.BooleanField(label="政策规定不计入家庭收入", required=False)
    excluded_reason = forms.CharField(label="不计入依据", max_length=200, required=False)
    started_on = forms.DateField(
        label="开始就业日期",
        required=False,
        widget=DateInput(),
        help_text="新就业的工资收入填写，按本地政策前几个月不计入",
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "member", [("", "全户")] + [(m.pk, m.name) for m in members])


class ExpenseForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label="类别", choices=ExpenseKind.choices)
    description = forms.CharField(label="说明", max_length=200)
    amount = forms.CharField(label="金额（元）", max_length=20)
    paid_on = forms.DateField(label="支出日期", widget=DateInput())
    member = forms.ChoiceField(label="成员", required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "member", [("", "全户")] + [(m.pk, m.name) for m in members])


class AssetForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label="类别", choices=AssetKind.choices)
    description = forms.CharField(label="说明", max_length=200)
    quantity = forms.CharField(label="数量/面积", max_length=20, required=False)
    unit = forms.CharField(label="单位", max_length=10, required=False)
    value = forms.CharField(label="估值（元）", max_length=20, required=False)


class RelativeForm(BootstrapMixin, forms.Form):
    area_code = forms.ChoiceField(label="所属区划")
    official_name = forms.CharField(label="工作人员姓名", max_length=60)
    official_role = forms.ChoiceField(label="身份", choices=RelativeRole.choices)
    official_unit = forms.CharField(label="所在单位", max_length=120)
    relative_name = forms.CharField(label="近亲属姓名", max_length=60)
    relative_id = forms.CharField(label="近亲属身份证号", max_length=20)
    relation = forms.CharField(label="关系", max_length=40, help_text="如：配偶、父母、子女、兄弟姐妹")
    registered_on = forms.DateField(label="登记日期", widget=DateInput())

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "area_code", [(a.code, a.name) for a in areas])

    def to_input(self) -> RelativeInput:
        d = self.cleaned_data
        return RelativeInput(
            d["official_name"],
            d["official_role"],
            d["official_unit"],
            d["relative_name"],
            d["relative_id"],
            d["relation"],
            d["registered_on"],
        )


class RelativeDeactivateForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label="停用原因",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：该工作人员已调离社会救助岗位、已不再担任村（居）委会成员",
    )


class UploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label="文件（.xlsx 或 .csv）")


class RelativeImportForm(UploadForm):
    area_code = forms.ChoiceField(label="所属区划")
    good_only = forms.BooleanField(label="有错误时仍导入无误的行（否则全部不导入）", required=False)

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "area_code", [(a.code, a.name) for a in areas])


class DiscoveryForm(BootstrapMixin, forms.Form):
    area_code = forms.ChoiceField(label="村（社区）")
    family_name = forms.CharField(label="家庭联系人", max_length=60)
    address = forms.CharField(label="住址", max_length=200)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    situation = forms.CharField(
        max_length=textlimits.PARAGRAPH, label="困难情况", widget=forms.Textarea(attrs={"rows": 3})
    )
    suggested_type = forms.ChoiceField(label="建议救助类型", required=False)
    reported_on = forms.DateField(label="发现日期", widget=DateInput())

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "area_code", [(v.code, f"{v.parent.name} · {v.name}") for v in villages])
        _choose(self, "suggested_type", BLANK + AssistanceType.choices)


class DeclineForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label="情况说明", max_length=200)
