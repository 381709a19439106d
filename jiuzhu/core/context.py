"""Who is asking, from where: set once per request, read by the audit trail."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    ip: str = ""
    user_agent: str = ""
    channel: str = "web"  # web | api | portal | command | task


_meta: ContextVar[RequestMeta] = ContextVar("jiuzhu_request_meta", default=RequestMeta(channel="command"))  # noqa: B039 - frozen


def current() -> RequestMeta:
    return _meta.get()


def set_current(meta: RequestMeta):
    return _meta.set(meta)


def reset(token) -> None:
    _meta.reset(token)
