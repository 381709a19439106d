"""The API object and its error mapping; every app's router is added to it by `jiuzhu.routers` (the top layer,
beside urls.py), so this kit imports no business app. Errors have one format everywhere.

Conventions every router gets by being added to this object (see docs/api.md, "Adding a router"):
- errors `{code, message, errors}` (handlers below, and `middleware.ApiErrorMiddleware` for what ninja does
  not answer itself);
- rate limits per token/user and per address for anonymous calls (`throttle=` below, rates in settings);
- idempotency keys on POST (`idempotency.install`); a POST returning a secret opts out with
  `@not_idempotent`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser as NinjaParser
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, django_auth

from jiuzhu.api import idempotency, ratelimit
from jiuzhu.api.middleware import MESSAGES
from jiuzhu.api.ratelimit import PerAddress, PerUser
from jiuzhu.api.rates import Rate
from jiuzhu.core.errors import DomainError, Forbidden, ValidationFailed
from jiuzhu.core.middleware import client_ip

log = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class Parser(NinjaParser):
    """JSON bodies, refusing the NUL character (PostgreSQL cannot store it in text). Addresses and query
    strings with it are refused before this, by `core.middleware.RefuseNulMiddleware`."""

    def parse_body(self, request: HttpRequest):
        data = super().parse_body(request)
        if _has_nul(data):
            raise ValidationFailed(
                "请求内容含有不允许的空字符（\\u0000）", field_errors={"request": "含空字符"}
            )
        return data


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Chinese stays readable for people reading responses


class Token(Protocol):
    """What a token lookup finds: the account it acts for and its scopes ("read", "write")."""

    user: Any
    scopes: Any


# Tokens are stored by orgs, a layer above this kit: orgs installs its lookup when the app is ready.
_token_lookup: Callable[[str], Token | None] | None = None


def use_token_lookup(lookup: Callable[[str], Token | None]) -> None:
    """Install the function that finds a valid token by its text (orgs' `token_authenticate`)."""
    global _token_lookup  # one lookup per process, installed at start
    _token_lookup = lookup


class TokenAuth(HttpBearer):
    """Personal access tokens: `Authorization: Bearer jz_…`. A read-only token cannot write."""

    openapi_description = "个人访问令牌（账号页生成，或 manage.py issue_token）"

    def authenticate(self, request: HttpRequest, token: str):
        if _token_lookup is None:
            raise RuntimeError("no API token lookup installed (OrgsConfig.ready installs it)")
        # Wrong tokens are limited like wrong passwords (PI2): after AXES_FAILURE_LIMIT failures from one
        # address within the lockout period, that address is refused until it ends — valid tokens too.
        key, rate = token_failure_limit(request)
        if ratelimit.peek(key, rate) >= rate.limit:
            raise Throttled(wait=ratelimit.seconds_left(rate))
        found = _token_lookup(token)
        if found is None:
            ratelimit.hit(key, rate)
            log.warning("invalid API token from %s", client_ip(request) or "unknown address")
            return None
        if request.method not in SAFE_METHODS and "write" not in found.scopes:
            raise Forbidden("该令牌只有只读权限（read），不能执行写入操作")
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


def token_failure_limit(request: HttpRequest) -> tuple[str, Rate]:
    period = int(settings.AXES_COOLOFF_TIME.total_seconds())
    return f"token_failure:ip:{client_ip(request) or 'unknown'}", Rate(settings.AXES_FAILURE_LIMIT, period)


token_auth = TokenAuth()
AUTH = [token_auth, django_auth]


class Api(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        return idempotency.document(self, super().get_openapi_schema(*args, **kwargs))

    def get_openapi_operation_id(self, operation) -> str:
        """`<app>_<function>` (e.g. `supervision_sample_list`), not ninja's full module path: moving an endpoint
        between the files of its app must not rename it for clients generated from the schema."""
        func = operation.view_func
        return f"{func.__module__.split('.')[1]}_{func.__name__}"


api = Api(
    title="救助 jiuzhu API",
    version="1",
    description=(
        "社会救助审批与监管系统接口。错误统一为 {code, message, errors}；列表统一分页 {items, count, page, "
        "page_size}；POST 请求可带 Idempotency-Key 头防止重复提交；超出访问频率返回 429 及 Retry-After。"
    ),
    urls_namespace="api",
    auth=AUTH,
    throttle=[PerUser(), PerAddress()],
    docs_url="/docs",
    openapi_url="/openapi.json",
    renderer=Renderer(),
    parser=Parser(),
)
idempotency.install(api)


def _error(request, status: int, code: str, message: str, errors: dict | None = None):
    return api.create_response(
        request, {"code": code, "message": message, "errors": errors or {}}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return _error(request, exc.status, exc.code, exc.message, exc.field_errors)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload", "form")]
        fields.setdefault(".".join(loc) or "request", []).append(_chinese(err))
    return _error(request, 422, "invalid", "请求参数有误，请检查后重试", fields)


# Pydantic's error types in Chinese; the context fills the numbers. Others fall back to pydantic's text.
_PYDANTIC_MESSAGES = {
    "missing": "必填",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "date_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD",
    "datetime_parsing": "应为日期时间，格式 YYYY-MM-DDTHH:MM:SS",
    "datetime_from_date_parsing": "应为日期时间，格式 YYYY-MM-DDTHH:MM:SS",
    "enum": "取值无效，可选：{expected}",
    "literal_error": "取值无效，可选：{expected}",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "json_invalid": "不是有效的 JSON",
    "extra_forbidden": "不允许的字段",
}


def _chinese(err: dict) -> str:
    template = _PYDANTIC_MESSAGES.get(err.get("type", ""))
    if template is None:
        return str(err.get("msg", "无效"))
    try:
        return template.format(**(err.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].rstrip("：，") or "无效"


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, 401, "unauthenticated", "请先登录，或在 Authorization 头中提供有效令牌")


@api.exception_handler(Http404)
def on_404(request, exc):
    return _error(request, 404, "not_found", "未找到该记录，或不在您的辖区范围内")


_HTTP_CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "rate_limited",
}


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, DomainError):  # raised while parsing the body (see Parser)
        return on_domain_error(request, exc.__cause__)
    if isinstance(exc.__cause__, ValueError) and exc.status_code == 400:
        return _error(request, 400, "invalid", "请求内容不是有效的 JSON", {"request": ["格式不正确"]})
    if isinstance(exc, Throttled):
        response = _error(request, 429, "rate_limited", MESSAGES[429][1])
        if exc.wait is not None:
            response["Retry-After"] = str(int(exc.wait))
        return response
    if exc.status_code == 403 and "CSRF" in str(exc):
        # Session cookie without the CSRF token. Without a session there is simply no login.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return on_auth_error(request, exc)
        return _error(
            request,
            403,
            "csrf_failed",
            "CSRF 校验失败：请刷新页面后重试；程序调用请使用令牌（Authorization: Bearer …）",
        )
    status = exc.status_code
    code = _HTTP_CODES.get(status, "error")
    message = MESSAGES.get(status, (code, ""))[1] or str(exc)
    return _error(request, status, code, message)


@api.exception_handler(MultiPartParserError)
def on_unreadable_upload(request, exc):
    """A multipart body Django cannot parse (no boundary, a broken one): the client's fault, never 500."""
    return _error(
        request,
        400,
        "invalid",
        "上传内容无法读取：请以 multipart/form-data 格式上传文件（请求头须含 boundary，如 curl -F file=@文件名）",
        {"file": ["无法读取上传内容"]},
    )


@api.exception_handler(SuspiciousOperation)
def on_suspicious_request(request, exc: SuspiciousOperation):
    """Django's refusals of a request body (too large, too many fields or files) keep their 4xx status."""
    if isinstance(exc, RequestDataTooBig):
        return _error(request, 413, "too_large", MESSAGES[413][1])
    return _error(request, 400, "invalid", "请求内容不符合要求（字段或文件过多，或格式异常）")


@api.exception_handler(Exception)
def on_unexpected_error(request, exc: Exception):
    """The single last-resort handler: a failure nobody foresaw is logged with its traceback for the
    operators and answered with a generic Chinese message — never the traceback itself."""
    log.error("unexpected API error on %s %s", request.method, request.path, exc_info=exc)
    return _error(request, 500, "server_error", MESSAGES[500][1])
