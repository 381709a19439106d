"""The 文号 register: numbers are reserved in a short transaction, then become issued or void.

Rendering a PDF takes a second or more; the sequence row must not stay locked (and on SQLite the whole
database must not stay write-locked) meanwhile. So a number is taken and written down as "出具中" and
committed at once; the document is rendered outside any transaction; then the document row and the
register row are written together. A number whose rendering or storing failed is marked void with the
reason, never reused and never silently skipped: every serial of a sequence has its row.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction

from jiuzhu.core import audit, clock
from jiuzhu.core.errors import DomainError
from jiuzhu.documents import numbering
from jiuzhu.documents.models import (
    DocumentNumber,
    DocumentNumberPrefix,
    DocumentNumberSequence,
    NumberStatus,
)
from jiuzhu.orgs.models import Organisation, User

log = logging.getLogger(__name__)

# A reservation older than this whose issuing process is gone (killed, database unreachable when voiding)
# is voided by the clean-up; rendering the longest document takes seconds.
ABANDONED_AFTER = timedelta(hours=1)


def prefix_for(org: Organisation) -> str:
    row = DocumentNumberPrefix.objects.filter(organisation=org).first()
    return row.prefix if row is not None else numbering.default_prefix(org)


def reserve(
    *, by: User, org: Organisation, year: int, kind: str, title: str, area_code: str
) -> DocumentNumber:
    """The next 文号 of `org` in `year`, written to the register as reserved. Runs inside the caller's
    (short) transaction: the sequence row is locked until it commits, so two issuers never get the same
    serial."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve() must be called inside transaction.atomic()")
    DocumentNumberSequence.objects.get_or_create(organisation=org, year=year)
    sequence = DocumentNumberSequence.objects.select_for_update().get(organisation=org, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return DocumentNumber.objects.create(
        organisation=org,
        year=year,
        serial=sequence.last_number,
        number=numbering.format_number(prefix_for(org), year, sequence.last_number),
        kind=kind,
        title=title[:200],
        area_code=area_code,
        reserved_by=by,
        reserved_at=clock.now(),
    )


def void_reason(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        text = exc.message
    elif isinstance(exc, KeyboardInterrupt | SystemExit):
        text = "出具过程被中断"
    else:
        text = f"生成或保存失败（{type(exc).__name__}：{exc}）"
    return text[:300]


def void(*, entry: DocumentNumber, by: User | None, membership, reason: str) -> bool:
    """Mark a reserved number void (空号), with its reason and an audit event. False if it was no longer
    reserved (issued meanwhile, or already voided)."""
    with transaction.atomic():
        changed = DocumentNumber.objects.filter(pk=entry.pk, status=NumberStatus.RESERVED).update(
            status=NumberStatus.VOID, void_reason=reason[:300], voided_at=clock.now()
        )
        if changed:
            audit.record(
                actor=by,
                membership=membership,
                action="numbering.void",
                obj=entry,
                after={"number": entry.number, "kind": entry.kind},
                reason=reason[:300],
            )
    return bool(changed)


def void_quietly(*, entry: DocumentNumber, by: User, membership, reason: str) -> None:
    """`void` while another failure is being raised: if the database refuses this too, the reservation
    stays and the clean-up voids it later (`void_abandoned`); the original error is what the user sees."""
    try:
        void(entry=entry, by=by, membership=membership, reason=reason)
    except Exception:
        log.exception("could not void document number %s; the clean-up will", entry.number)


def void_abandoned() -> int:
    """Void reservations whose issuing process vanished (run by the clean-up). Returns how many."""
    cutoff = clock.now() - ABANDONED_AFTER
    count = 0
    for entry in DocumentNumber.objects.filter(status=NumberStatus.RESERVED, reserved_at__lt=cutoff):
        count += void(
            entry=entry,
            by=None,
            membership=None,
            reason="出具过程中断（程序退出或数据库不可用），该号未使用",
        )
    return count
