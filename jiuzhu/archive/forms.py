from __future__ import annotations

from django import forms

from jiuzhu.core.forms import BootstrapMixin, DateInput
from jiuzhu.registry.models import UrbanRural


class CustodyForm(BootstrapMixin, forms.Form):
    to = forms.ChoiceField(label="保管单位")
    on = forms.DateField(label="移交（建档）日期", widget=DateInput())
    location = forms.CharField(
        label="存放位置", max_length=100, required=False, help_text="如：档案室 3 号柜"
    )
    reason = forms.CharField(label="原因", max_length=200, required=False, help_text="移交时必填")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, custodians=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(o.pk, o.name) for o in custodians]  # type: ignore[attr-defined]


class BulkCustodyForm(BootstrapMixin, forms.Form):
    county = forms.ChoiceField(label="县（区）")
    urban_rural = forms.ChoiceField(
        label="档案范围",
        choices=[("urban", "城市社会救助档案"), ("rural", "农村社会救助档案"), ("", "城乡全部")],
        required=False,
    )
    townships = forms.MultipleChoiceField(
        label="限定乡镇（街道）",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选则为全县（区）",
    )
    on = forms.DateField(label="移交日期", widget=DateInput())
    basis = forms.CharField(
        label="移交依据", max_length=200, help_text="如：尖山区社会救助事项审批（确认）权限下放实施方案"
    )

    def __init__(self, *args, counties=(), townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [(c.code, c.name) for c in counties]  # type: ignore[attr-defined]
        self.fields["townships"].choices = [(t.code, t.name) for t in townships]  # type: ignore[attr-defined]
        self.fields["urban_rural"].initial = UrbanRural.URBAN


class OwnerUploadForm(BootstrapMixin, forms.Form):
    owner = forms.ChoiceField(label="归入")

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = list(targets)  # type: ignore[attr-defined]
