from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from jiuzhu.core import context
from jiuzhu.core.errors import DomainError, ValidationFailed

log = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str:
    # Behind the county's reverse proxy the real address is the last hop it appended.
    if getattr(settings, "JIUZHU_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    """Tell the audit trail where requests come from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = (
            "api"
            if request.path.startswith("/api/")
            else "portal"
            if request.path.startswith("/portal/")
            else "web"
        )
        token = context.set_current(
            context.RequestMeta(
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
                channel=channel,
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class DomainErrorMiddleware:
    """A business failure that no view handled becomes a Chinese error page with the right status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        template = "partials/error_inline.html" if getattr(request, "htmx", False) else "error.html"
        return render(request, template, {"error": exception}, status=exception.status)


class NoStoreMiddleware:
    """Pages, API responses and downloads carry personal data: no browser or proxy keeps a copy (PI1). Static
    files never reach this middleware (WhiteNoise answers them before it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response:
            add_never_cache_headers(response)
        return response


class RefuseNulMiddleware:
    """The NUL character in an address or its query string is refused with 400 before any view runs:
    PostgreSQL cannot compare text with it, so a filter or a path parameter holding one would fail deep in
    a query (form fields refuse it themselves; API bodies and queries are checked by the API parser)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            error = ValidationFailed(
                "地址或查询条件中含有不允许的空字符（\\u0000），请检查后重试",
                field_errors={"request": "含空字符"},
            )
            if request.path.startswith("/api/"):
                return JsonResponse(error.as_dict(), status=400, json_dumps_params={"ensure_ascii": False})
            return render(request, "error.html", {"error": error}, status=400)
        return self.get_response(request)
