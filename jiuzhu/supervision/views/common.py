"""Helpers shared by the supervision pages: one POST action per form on a detail page, tables as Excel."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect

from jiuzhu.core.errors import RECOVERABLE
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.forms import apply_error


def run_form(
    request: HttpRequest, form, action: Callable[[dict], object], done: str, to: str
) -> HttpResponse | None:
    """Validate, call the service, redirect with a message; on a fixable failure the form keeps the input
    and shows why (NotFound and Forbidden propagate to the 404/403 pages)."""
    if not form.is_valid():
        return None
    try:
        action(form.cleaned_data)
    except RECOVERABLE as exc:
        apply_error(form, exc)
        return None
    messages.success(request, done)
    return redirect(to)


def bound(request: HttpRequest, name: str, factory: Callable[..., object], **initial):
    """The form named `name`: bound to the POST when that is the action submitted, else fresh."""
    if request.method == "POST" and request.POST.get("action") == name:
        return factory(request.POST)
    return factory(initial=initial or None)


def table_export(table) -> HttpResponseBase:
    return xlsx_response(table.title, table.headers, table.rows, title=table.title)
