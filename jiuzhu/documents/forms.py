from __future__ import annotations

from django import forms
from django.conf import settings

from jiuzhu.core import filetypes
from jiuzhu.core.filetypes import AttachmentKind
from jiuzhu.core.forms import BootstrapMixin, set_choices


class AttachmentForm(BootstrapMixin, forms.Form):
    """The upload form every app reuses (with `documents/partials/attachment_upload.html`).

    `kinds` limits the choice (e.g. only photos for a home visit). The real check is the service's: by
    content, with the size limits from the settings."""

    file = forms.FileField(label="选择文件")
    kind = forms.ChoiceField(label="类别", choices=AttachmentKind.choices)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, kinds: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds:
            set_choices(self, "kind", [c for c in AttachmentKind.choices if c[0] in kinds])
        allowed = kinds or list(AttachmentKind.values)
        self.fields["file"].widget.attrs["accept"] = ",".join(
            sorted({ext for k in allowed for ext in filetypes.accept_attribute(k).split(",")})
        )
        parts = []
        if any(k != AttachmentKind.VIDEO for k in allowed):
            still = "PDF、JPEG、PNG" if set(allowed) != {AttachmentKind.PHOTO} else "JPEG、PNG"
            parts.append(f"{still}（不超过 {filetypes.megabytes(settings.UPLOAD_MAX_BYTES)} MB）")
        if AttachmentKind.VIDEO in allowed or AttachmentKind.OTHER in allowed:
            parts.append(
                f"MP4、MOV、WebM 视频（不超过 {filetypes.megabytes(settings.UPLOAD_VIDEO_MAX_BYTES)} MB）"
            )
        self.fields["file"].help_text = "接受 " + "和 ".join(parts) + "；系统按文件内容判断类型"


class DelegationLetterForm(BootstrapMixin, forms.Form):
    plan_name = forms.CharField(label="依据的实施方案", max_length=200)
    legal_basis = forms.CharField(
        label="委托依据",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="每行一项，按顺序列入委托书“委托依据”",
    )

    def basis_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["legal_basis"].splitlines() if line.strip()]


class RevokeForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="作废原因", widget=forms.Textarea(attrs={"rows": 2}))


class TemplateForm(BootstrapMixin, forms.Form):
    html = forms.CharField(
        label="模板内容（HTML，Django 模板语法）",
        widget=forms.Textarea(attrs={"rows": 28, "class": "jz-mono", "spellcheck": "false"}),
        strip=False,
    )
    note = forms.CharField(label="修改说明", max_length=200, required=False)


class PrefixForm(BootstrapMixin, forms.Form):
    organisation = forms.ChoiceField(label="单位")
    # Named like `BaseForm.prefix`; Django's form metaclass moves declared fields off the class, so they never meet.
    prefix = forms.CharField(  # type: ignore[assignment]
        label="文号字头", max_length=20, help_text="如“尖民救”，文号为 尖民救〔2026〕1号"
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self, "organisation", [(o.pk, o.name) for o in organisations])
