"""One-time form tokens: a create form posted twice creates one record.

Every create form carries a hidden, random token (`{% form_token %}`); the view is wrapped in
`@one_time_form`. The first POST with a token claims it (a unique row per user and token, committed before
the view runs, so a second POST at the same moment sees it); when the view succeeds (a redirect) the row
keeps where it led, and any later POST with the same token — a double click, or the back button and 保存
again — is sent to that page with a message instead of running the view again. A POST that fails (the form
comes back with errors) frees its token, so the corrected form can be sent.

A POST without a token (a script, an old test) runs as before: the API has its own `Idempotency-Key`
(`jiuzhu.api.idempotency`), and the one-household rule (A1) refuses a second registration of a person
whatever the path.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.html import format_html

from jiuzhu.core import clock
from jiuzhu.core.models import FormToken

FIELD = "_form_token"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Not a policy number: how long a submitted form is remembered (a page left open over a weekend).
KEEP_FOR = timedelta(days=4)
# How long a second POST waits for the first one with the same token to finish.
WAIT_SECONDS = 5.0
ALREADY_DONE = "该表单已经提交过，未重复保存。以下是当时保存的结果"
STILL_RUNNING = "该表单正在提交，请勿重复点击；请稍后在列表中查看结果"


def hidden_input() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, secrets.token_urlsafe(24))


def _claim(user_id: int, token: str, path: str) -> FormToken | None:
    """The new claim, or None when the token was used before."""
    now = clock.now()
    try:
        with transaction.atomic():
            return FormToken.objects.create(user_id=user_id, token=token, path=path[:300], created_at=now)
    except IntegrityError:
        return None


def _earlier(request: HttpRequest, user_id: int, token: str) -> HttpResponse:
    """The answer to a repeated POST: the page the first one led to, once it has finished."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        row = FormToken.objects.filter(user_id=user_id, token=token).first()
        if row is None:  # the first POST failed meanwhile and freed the token: let the user look again
            break
        if row.result_url:
            messages.info(request, ALREADY_DONE)
            return redirect(row.result_url)
        if time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    messages.warning(request, STILL_RUNNING)
    return redirect(request.path)


def one_time_form(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wrap a view whose POST creates a record (see the module's docstring)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        user_id = getattr(request.user, "pk", None)
        if not token or user_id is None or not _TOKEN.match(token):
            return view(request, *args, **kwargs)
        row = _claim(user_id, token, request.path)
        if row is None:
            return _earlier(request, user_id, token)
        response = None
        try:
            response = view(request, *args, **kwargs)
        finally:
            if response is not None and response.status_code in (301, 302, 303) and response.get("Location"):
                FormToken.objects.filter(pk=row.pk).update(result_url=response["Location"][:300])
            else:
                FormToken.objects.filter(pk=row.pk).delete()
        FormToken.objects.filter(created_at__lt=clock.now() - KEEP_FOR).delete()
        return response

    return wrapper
