"""The API object. Each app contributes its own router; errors have one format everywhere."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, django_auth

from jiuzhu.core.errors import DomainError, Forbidden

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Chinese stays readable for people reading responses


class TokenAuth(HttpBearer):
    """Personal access tokens: `Authorization: Bearer jz_…`. A read-only token cannot write."""

    openapi_description = "个人访问令牌（账号页生成，或 manage.py issue_token）"

    def authenticate(self, request: HttpRequest, token: str):
        from jiuzhu.orgs.services import token_authenticate

        found = token_authenticate(token)
        if found is None:
            return None
        if request.method not in SAFE_METHODS and "write" not in found.scopes:
            raise Forbidden("该令牌只有只读权限（read），不能执行写入操作")
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


token_auth = TokenAuth()
AUTH = [token_auth, django_auth]

api = NinjaAPI(
    title="救助 jiuzhu API",
    version="1",
    description="社会救助审批与监管系统接口。错误统一为 {code, message, errors}；列表统一分页 {items, count, page, page_size}。",
    urls_namespace="api",
    auth=AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
    renderer=Renderer(),
)


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
        fields.setdefault(".".join(loc) or "request", []).append(err.get("msg", "无效"))
    return _error(request, 422, "invalid", "请求参数有误，请检查后重试", fields)


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
    return _error(request, exc.status_code, _HTTP_CODES.get(exc.status_code, "error"), str(exc))


def _register_routers() -> None:
    from jiuzhu.archive.api import router as archive_router
    from jiuzhu.benefits.api import router as benefits_router
    from jiuzhu.cases.api import router as cases_router
    from jiuzhu.cases.api_steps import router as steps_router
    from jiuzhu.core.api import router as core_router
    from jiuzhu.documents.api import router as documents_router
    from jiuzhu.orgs.api import router as orgs_router
    from jiuzhu.payments.api import router as payments_router
    from jiuzhu.registry.api import router as registry_router
    from jiuzhu.supervision.api import router as supervision_router

    api.add_router("/", orgs_router)
    api.add_router("/", core_router)
    api.add_router("/", registry_router)
    api.add_router("/", cases_router)
    api.add_router("/", steps_router)
    api.add_router("/", documents_router)
    api.add_router("/", benefits_router)
    api.add_router("/", payments_router)
    api.add_router("/", archive_router)
    api.add_router("/", supervision_router)


_register_routers()
