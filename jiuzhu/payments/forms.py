from __future__ import annotations

from django import forms

from jiuzhu.core.forms import BootstrapMixin
from jiuzhu.payments.services.bank_formats import FIELDS


class MonthField(forms.DateField):
    """<input type="month"> → the first day of the month."""

    widget = forms.DateInput(attrs={"type": "month", "class": "form-control"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]


class RunForm(BootstrapMixin, forms.Form):
    month = MonthField(label="发放月份")


class ReopenForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="重新开放原因", widget=forms.Textarea(attrs={"rows": 2}))


class BankFileForm(BootstrapMixin, forms.Form):
    bank_format = forms.ChoiceField(label="银行格式")
    file_type = forms.ChoiceField(label="文件类型", choices=[("xlsx", "Excel（xlsx）"), ("csv", "CSV")])
    township = forms.ChoiceField(label="范围", required=False)
    bank = forms.ChoiceField(label="开户银行", required=False)

    def __init__(self, *args, formats=(), townships=(), banks=(), **kwargs):
        super().__init__(*args, **kwargs)
        bank_format, township, bank = self.fields["bank_format"], self.fields["township"], self.fields["bank"]
        assert isinstance(bank_format, forms.ChoiceField)
        assert isinstance(township, forms.ChoiceField) and isinstance(bank, forms.ChoiceField)
        bank_format.choices = [(f.pk, f.name) for f in formats]
        township.choices = [("", "全县（区）"), *townships]
        bank.choices = [("", "全部银行"), *((b, b) for b in banks)]


class ReconcileForm(BootstrapMixin, forms.Form):
    month = MonthField(label="发放月份")
    file = forms.FileField(label="银行回盘文件（.xlsx 或 .csv）")
    partial = forms.BooleanField(
        label="有无法识别的行时，仍导入其余各行（否则整份文件不导入）", required=False
    )


class BankFormatForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label="银行名称", max_length=60)
    # Named like the form's own `fields` dict, which Django's form metaclass keeps apart; the page and the
    # API call the bank's columns "fields".
    fields = forms.MultipleChoiceField(  # type: ignore[assignment]
        label="列（按勾选顺序）",
        choices=list(FIELDS.items()),
        widget=forms.CheckboxSelectMultiple,
        initial=["line", "reference", "name", "account", "amount"],
    )
    encoding = forms.ChoiceField(
        label="CSV 编码", choices=[("gb18030", "GB18030（国内银行常用）"), ("utf-8", "UTF-8")]
    )
    is_default = forms.BooleanField(label="设为本县（区）默认格式", required=False)
