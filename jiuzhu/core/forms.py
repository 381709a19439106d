"""Bridging typed business failures to Django forms: the form keeps what was typed and shows why."""

from __future__ import annotations

from django import forms

from jiuzhu.core.errors import DomainError


def apply_error(form: forms.Form, error: DomainError) -> None:
    placed = False
    for field, messages in error.field_errors.items():
        if field in form.fields:
            for message in messages:
                form.add_error(field, message)
            placed = True
    listed = [m for messages in error.field_errors.values() for m in messages]
    if not placed or error.message not in listed:
        form.add_error(None, error.message)


def set_choices(form: forms.BaseForm, name: str, choices) -> None:
    """Fill a choice field's options when the form is built (the user's townships, staff …). `form.fields[name]`
    is typed as any field; this checks it is a choice field and keeps the assignment typed."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name} is not a choice field")
    field.choices = choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "form-control", **(attrs or {})}, format="%Y-%m-%d")


class BootstrapMixin:
    """Give every widget Bootstrap classes, so templates can render `{{ field }}` directly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            css = widget.attrs.get("class", "")
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = (css + " form-check-input").strip()
                continue
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.HiddenInput):
                continue
            base = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if base not in css:
                widget.attrs["class"] = (css + " " + base).strip()

    def add_error(self, field, error):
        """A field with an error is marked invalid (red, announced to screen readers), so that the page can
        bring the first one into view and the user sees every problem where it is."""
        super().add_error(field, error)  # type: ignore[misc]
        for name in self._errors or {}:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                css = widget.attrs.get("class", "")
                if "is-invalid" not in css:
                    widget.attrs["class"] = (css + " is-invalid").strip()
                widget.attrs["aria-invalid"] = "true"
