"""Forms of the bureau's materials checklist page (A3, A4)."""

from __future__ import annotations

from django import forms

from jiuzhu.core.forms import BootstrapMixin


class MaterialItemForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label="材料名称", max_length=120)
    required = forms.BooleanField(label="必需（申请人须提交）", required=False, initial=True)
    shared = forms.BooleanField(
        label="可通过部门数据共享获取（不要求申请人提供）",
        required=False,
        help_text="数据共享获取的材料不能设为必需（A4）",
    )
    per_member = forms.BooleanField(label="每位家庭成员一份", required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)


class RestoreForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="说明", max_length=200, required=False)
