"""Handling warnings (S6): assign, handle with a note, reopen; request a scan as a background job."""

from __future__ import annotations

from django.db import transaction

from jiuzhu.core import audit, clock, jobs
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.models import Job
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision import tasks
from jiuzhu.supervision.models import Alert, AlertStatus

SCAN_KIND = "alert_scan"


def _handler_membership(user, alert: Alert):
    """Townships handle their warnings; the bureau's inspectors may handle any (and the county's own)."""
    if authz.can(user, Perm.SUPERVISE, alert.area_code):
        return authz.require(user, Perm.SUPERVISE, alert.area_code)
    return authz.require(user, Perm.WARNING_HANDLE, alert.area_code)


def _lock(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def alert_assign(*, by: User, alert: Alert, assignee: User) -> Alert:
    """Give a warning to a person who may handle it there."""
    membership = _handler_membership(by, alert)
    if not (
        authz.can(assignee, Perm.WARNING_HANDLE, alert.area_code)
        or authz.can(assignee, Perm.SUPERVISE, alert.area_code)
    ):
        raise ValidationFailed(
            f"{assignee.get_full_name()}无权处理该预警", field_errors={"assignee": "无权处理"}
        )
    with transaction.atomic():
        locked = _lock(alert)
        if locked.status == AlertStatus.RESOLVED:
            raise ValidationFailed("该预警已消除，无需指派")
        before = locked.assigned_to_id
        locked.assigned_to = assignee
        locked.assigned_at = clock.now()
        locked.save(update_fields=["assigned_to", "assigned_at"])
        audit.record(
            actor=by,
            membership=membership,
            action="alert.assign",
            obj=locked,
            before={"assigned_to": before},
            after={"assigned_to": assignee.pk, "name": assignee.get_full_name()},
        )
    return locked


def alert_handle(*, by: User, alert: Alert, note: str) -> Alert:
    """Record how the warning was handled (checked, explained, put right). If the condition is gone the next
    scan resolves it; if it is still there it stays handled, with the note, until the bureau reopens it."""
    membership = _handler_membership(by, alert)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写处理说明", field_errors={"note": "必填"})
    with transaction.atomic():
        locked = _lock(alert)
        if locked.status != AlertStatus.OPEN:
            raise ValidationFailed(f"该预警当前为“{locked.get_status_display()}”，不能再处理")
        locked.status = AlertStatus.HANDLED
        locked.handled_by = by
        locked.handled_at = clock.now()
        locked.handle_note = note
        locked.save(update_fields=["status", "handled_by", "handled_at", "handle_note"])
        audit.record(
            actor=by,
            membership=membership,
            action="alert.handle",
            obj=locked,
            reason=note,
            before={"status": AlertStatus.OPEN},
            after={"status": AlertStatus.HANDLED},
        )
    return locked


def alert_reopen(*, by: User, alert: Alert, reason: str) -> Alert:
    """The bureau does not accept the handling."""
    membership = authz.require(by, Perm.SUPERVISE, alert.area_code)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写重新打开的原因", field_errors={"reason": "必填"})
    with transaction.atomic():
        locked = _lock(alert)
        if locked.status != AlertStatus.HANDLED:
            raise ValidationFailed("只有已处理的预警可以重新打开")
        locked.status = AlertStatus.OPEN
        locked.reopened_count += 1
        locked.save(update_fields=["status", "reopened_count"])
        audit.record(actor=by, membership=membership, action="alert.reopen", obj=locked, reason=reason)
    return locked


def scan_request(*, by: User, area_code: str) -> Job:
    """On demand: queue a scan of the user's area as a background job (progress on the job page)."""
    authz.require(by, Perm.SUPERVISE, area_code)

    with transaction.atomic():
        job = jobs.create(by=by, kind=SCAN_KIND, area_code=area_code, params={"area_code": area_code})
        jobs.enqueue(tasks.scan_alerts, job)
    return job
