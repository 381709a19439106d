"""Shared API schemas: the one error format and paginated lists."""

from typing import Annotated, Any, Generic, TypeVar

from ninja import Field, Schema
from ninja.pagination import PaginationBase

from jiuzhu.core import jobs

T = TypeVar("T")


class ErrorOut(Schema):
    code: str = Field(..., description="机器可读的错误代码，如 invalid、not_found、forbidden、conflict")
    message: str = Field(..., description="中文错误说明")
    errors: dict[str, list[str]] = Field(default_factory=dict, description="字段错误：字段名 → 说明")


# Every operation may also answer 429 (rate limit, with Retry-After) and 500 (a generic message).
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
    500: ErrorOut,
}
READ_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
    500: ErrorOut,
}

# A record id: positive and within a 64-bit column (larger numbers cannot exist; refused with 422).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def responses(ok: Any, *, status: int = 200, read_only: bool = False) -> dict[int, Any]:
    return {status: ok, **(READ_ERRORS if read_only else ERRORS)}


class Paged(Schema, Generic[T]):
    items: list[T]
    count: int
    page: int
    page_size: int


class PageNumber(PaginationBase):
    """?page=1&page_size=50 → {items, count, page, page_size}."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=100000)
        page_size: int = Field(50, ge=1, le=500)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, request=None, **params):
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "items": list(queryset[offset : offset + pagination.page_size]),
            "count": len(queryset) if isinstance(queryset, list) else queryset.count(),
            "page": pagination.page,
            "page_size": pagination.page_size,
        }


class JobState(Schema):
    """What every background job's answer says besides its progress (see `core.jobs`)."""

    interrupted: bool = Field(
        ..., description="因后台任务处理程序中断或数据库持续不可用而失败（输入无误），可在任务页面重新开始"
    )
    queue_position: int | None = Field(
        None, description="排队中时前面还有几个任务（含正在处理的）；未排队时为空"
    )
    worker_running: bool | None = Field(
        None,
        description="是否有后台任务处理程序在运行；false 时任务将在其恢复后继续；任务已结束或无需处理程序时为空",
    )

    @staticmethod
    def resolve_queue_position(obj) -> int | None:

        return jobs.queue_position(obj) if hasattr(obj, "task_id") else obj.get("queue_position")

    @staticmethod
    def resolve_worker_running(obj) -> bool | None:

        if not hasattr(obj, "task_id"):
            return obj.get("worker_running")
        if obj.finished:
            return None
        status = jobs.worker_status()
        return (status.alive > 0) if status.needed else None
