"""Idempotency keys on POST requests (`Idempotency-Key` header).

The same key from the same user with the same request (method, path, body) gets the stored first response
back, with `Idempotent-Replayed: true`; the same key with a different request is refused with 409; a key
still running elsewhere is refused with 409 too. Only successful (2xx) responses are stored: a failed
request frees its key so that the client can retry. Keys expire after `JIUZHU_IDEMPOTENCY_HOURS`.

Applied to every router of the API by `install(api)` (two django-ninja decorators: one after validation that
looks the key up, one around the whole operation that stores the rendered response). A POST that must not
keep its response (it returns a secret, e.g. a revealed ID number) is marked with `@not_idempotent`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException

from jiuzhu.api.models import IdempotencyKey
from jiuzhu.core import clock
from jiuzhu.core.errors import Conflict, ValidationFailed

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")  # visible ASCII, 1–100 characters
_ATTR = "_jiuzhu_idempotency"
_OPT_OUT = "_jiuzhu_not_idempotent"
# A request that has held its key this long without finishing is taken as abandoned (its worker died).
STALE_AFTER = timedelta(minutes=10)

OPENAPI_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": "幂等键（1–100 个可见 ASCII 字符，如 UUID）：同一用户以相同键重发相同请求时返回首次的结果，"
    "不会重复创建；相同键用于不同请求返回 409",
    "schema": {"type": "string", "maxLength": 100},
}


def not_idempotent(view: Callable) -> Callable:
    """Mark a POST whose response must not be stored (it carries a secret)."""
    setattr(view, _OPT_OUT, True)
    return view


def is_idempotent(view: Callable) -> bool:
    return not getattr(view, _OPT_OUT, False)


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    try:
        digest.update(request.body)
    except RawPostDataException:  # an upload: the body went through the upload handlers
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"{name}={value}\n".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"{name}:{upload.name}:{upload.size}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    return digest.hexdigest()


def begin(request: HttpRequest, key: str, user_id: int):
    """Claim `key` of user `user_id` for this request, or return the stored response of its first use."""

    if not _KEY.match(key):
        raise ValidationFailed(
            "Idempotency-Key 须为 1–100 个可见 ASCII 字符", field_errors={HEADER: "格式不正确"}
        )
    fingerprint = _fingerprint(request)
    now = clock.now()
    with transaction.atomic():
        row = IdempotencyKey.objects.select_for_update().filter(user_id=user_id, key=key).first()
        if row is not None and row.expires_at <= now:
            row.delete()
            row = None
        if row is not None:
            if row.fingerprint != fingerprint:
                raise Conflict(
                    "该 Idempotency-Key 已用于另一个请求（地址或内容不同），请为新请求使用新的键",
                    code="idempotency_key_reused",
                )
            if row.status_code is not None:
                return None, _replay(row)
            if row.created_at > now - STALE_AFTER:
                raise Conflict(
                    "使用相同 Idempotency-Key 的请求正在处理中，请稍后重试", code="idempotency_in_progress"
                )
            row.created_at = now
            row.save(update_fields=["created_at"])
            return row, None
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    user_id=user_id,
                    key=key,
                    method=request.method or "",
                    path=request.path[:300],
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=now + timedelta(hours=settings.JIUZHU_IDEMPOTENCY_HOURS),
                )
        except IntegrityError:
            raise Conflict(
                "使用相同 Idempotency-Key 的请求正在处理中，请稍后重试", code="idempotency_in_progress"
            ) from None
    return row, None


def _replay(row) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status_code, content_type=row.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def finish(row, response: HttpResponse) -> None:
    """Store a successful response; free the key of a failed one."""

    now = clock.now()
    if 200 <= response.status_code < 300 and not getattr(response, "streaming", False):
        IdempotencyKey.objects.filter(pk=row.pk).update(
            status_code=response.status_code,
            content_type=response.get("Content-Type", "application/json"),
            body=response.content,
        )
    else:
        IdempotencyKey.objects.filter(pk=row.pk, status_code__isnull=True).delete()
    IdempotencyKey.objects.filter(expires_at__lte=now).delete()


def operation_decorator(view: Callable) -> Callable:
    """Runs after authentication and validation: replay, refuse, or claim the key."""
    if not is_idempotent(view):
        return view

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        key = request.headers.get(HEADER)
        user_id = request.user.pk  # None when nobody is signed in: keys belong to a user
        if request.method != "POST" or key is None or user_id is None:
            return view(request, *args, **kwargs)
        row, replay = begin(request, key, user_id)
        if replay is not None:
            return replay
        setattr(request, _ATTR, row)
        return view(request, *args, **kwargs)

    wrapper._jiuzhu_idempotent = True  # type: ignore[attr-defined]
    return wrapper


def view_decorator(run: Callable) -> Callable:
    """Wraps the whole operation: sees the rendered response and stores it (or frees the key)."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args, **kwargs):
        response = None
        try:
            response = run(request, *args, **kwargs)
            return response
        finally:
            row = request.__dict__.pop(_ATTR, None)
            if row is not None:
                finish(row, response if response is not None else HttpResponse(status=500))

    return wrapper


def install(api) -> None:
    """Apply idempotency keys to every POST of every router of `api`, now and later added."""
    api.add_decorator(operation_decorator, mode="operation")
    api.add_decorator(view_decorator, mode="view")


def document(api, schema: dict) -> dict:
    """Add the header to the OpenAPI description of every POST that honours it."""
    ids = set()
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                if "POST" in operation.methods and getattr(operation.view_func, "_jiuzhu_idempotent", False):
                    ids.add(operation.operation_id or api.get_openapi_operation_id(operation))
    for methods in schema.get("paths", {}).values():
        post = methods.get("post")
        if post and post.get("operationId") in ids:
            params = post.setdefault("parameters", [])
            if not any(p.get("name") == HEADER for p in params):
                params.append(dict(OPENAPI_PARAMETER))
    return schema
