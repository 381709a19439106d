"""The one error format for everything under /api/, also for what django-ninja does not answer itself:
unknown addresses (404), methods a path does not take (405), oversized or malformed requests (400/413) and
server errors raised outside an operation (500)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

MESSAGES = {
    400: ("invalid", "请求有误，请检查后重试"),
    401: ("unauthenticated", "请先登录，或在 Authorization 头中提供有效令牌"),
    403: ("forbidden", "您无权执行此操作"),
    404: ("not_found", "接口地址不存在"),
    405: ("method_not_allowed", "该接口不支持此请求方法"),
    413: ("too_large", "请求内容过大"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
    500: ("server_error", "服务器内部错误，请稍后重试；如持续出现请联系系统管理员"),
}


def error_body(status: int, code: str | None = None, message: str | None = None, errors=None) -> dict:
    default_code, default_message = MESSAGES.get(status, ("error" if status < 500 else "server_error", ""))
    return {
        "code": code or default_code,
        "message": message or default_message or MESSAGES[500][1],
        "errors": errors or {},
    }


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class ApiErrorMiddleware:
    """Turn any non-JSON error response under /api/ into `{code, message, errors}`; never a stack trace."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400 or _is_json(response):
            return response
        status = response.status_code
        converted = JsonResponse(error_body(status), status=status, json_dumps_params={"ensure_ascii": False})
        for header in ("Allow", "Retry-After"):
            if header in response:
                converted[header] = response[header]
        return converted

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=exception)
        return JsonResponse(error_body(500), status=500, json_dumps_params={"ensure_ascii": False})


__all__ = ["ApiErrorMiddleware", "error_body"]
