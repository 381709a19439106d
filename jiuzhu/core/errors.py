"""Typed business failures. Each maps once to a Chinese message and an HTTP status (convention 6)."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    status = 400
    code = "invalid"
    default_message = "操作无法完成"

    def __init__(
        self,
        message: str | None = None,
        *,
        field_errors: Mapping[str, list[str] | str] | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.field_errors = {k: v if isinstance(v, list) else [v] for k, v in (field_errors or {}).items()}
        if code:
            self.code = code
        super().__init__(self.message)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "errors": self.field_errors}


class ValidationFailed(DomainError):
    status = 400
    code = "invalid"
    default_message = "填写的内容有误，请检查后重试"


class NotFound(DomainError):
    """Out of the user's jurisdiction is indistinguishable from not existing (convention 5)."""

    status = 404
    code = "not_found"
    default_message = "未找到该记录，或不在您的辖区范围内"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = "您的角色无权执行此操作"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = "该记录刚被他人修改，请刷新页面后重试"


class TransitionNotAllowed(DomainError):
    status = 409
    code = "transition_not_allowed"
    default_message = "当前状态下不能执行此操作"


class PeriodLocked(DomainError):
    """The monthly cycle (M1) refuses changes that affect payment after the export day."""

    status = 409
    code = "period_locked"
    default_message = "本月发放名单已导出，涉及发放的业务须待次月台账生成后办理"


# Failures a user can fix by changing what they typed: shown next to the form, which keeps the input.
# NotFound and Forbidden are never shown in a form: they become the 404/403 page.
RECOVERABLE = (ValidationFailed, Conflict, TransitionNotAllowed, PeriodLocked)
