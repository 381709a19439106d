"""The training copy's clock control (培训环境): move the copy's days forward so that trainees can take a case
through its notice, approval and first payroll in one sitting. Only in the training copy (settings
JIUZHU_TRAINING); everywhere else the action does not exist (the page answers 404, the command refuses)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiuzhu.core import access, audit, clock
from jiuzhu.core.dates import next_month
from jiuzhu.core.errors import NotFound, ValidationFailed
from jiuzhu.core.types import Actor

# The two moves a trainer needs: past a 7-day notice, and into the next payroll month.
MOVES = {"week": "前进 7 天", "next_month": "到下月 1 日"}
BAND_TEXT = "培训环境 — 数据非真实"


def enabled() -> bool:
    return bool(getattr(settings, "JIUZHU_TRAINING", False))


def target_of(move: str, at: datetime) -> datetime:
    """Where a move takes the clock from `at`: seven days on, or 09:00 on the first of the next month."""
    if move == "week":
        return at + timedelta(days=7)
    if move == "next_month":
        return clock.local_datetime(next_month(timezone.localdate(at)), time(9, 0))
    raise ValidationFailed("未知的时钟操作", field_errors={"move": "请选择“前进 7 天”或“到下月 1 日”"})


def training_clock_move(*, by: Actor | None, move: str) -> datetime:
    """Move the training copy's clock forward (one of MOVES) for every process of the copy; returns the new
    time. The move is an audit event like any change of settings."""
    if not enabled():
        raise NotFound("只有培训环境可以调整时钟")
    membership = access.require(by, access.PARAMS_EDIT) if by is not None else None
    before = clock.now()
    target = target_of(move, before)
    with transaction.atomic():
        audit.record(
            actor=by,
            membership=membership,
            action="training.clock_move",
            area_code=membership.organisation.jurisdiction_id if membership is not None else "",
            object_type="training.clock",
            object_id="clock",
            object_repr="培训环境时钟",
            before={"at": before.isoformat()},
            after={"at": target.isoformat(), "move": move},
            reason=MOVES[move],
        )
        # Inside the transaction: a refused audit write leaves the clock where it was.
        clock.move_training_clock(target - before)
    return clock.now()
