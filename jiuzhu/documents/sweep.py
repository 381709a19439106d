"""Stored files that no row refers to: removed by the nightly clean-up.

Attachments and issued PDFs are written before their rows' short transaction and deleted again when it
fails (see `services`); only a process killed in between leaves a file behind. Such a file holds
personal data and must not lie in storage: after a grace period (a file being issued right now is not
referenced yet) it is deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

from django.core.files.storage import default_storage

from jiuzhu.core import clock
from jiuzhu.documents.models import Attachment, IssuedDocument

log = logging.getLogger(__name__)

GRACE = timedelta(hours=1)
ROOTS = ("documents", "attachments")


def _walk(directory: str) -> Iterator[str]:
    try:
        folders, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{directory}/{name}"
    for folder in folders:
        yield from _walk(f"{directory}/{folder}")


def unreferenced_files() -> Iterator[str]:
    """Names under documents/ and attachments/ that no IssuedDocument or Attachment row refers to and that
    are older than the grace period."""
    cutoff = clock.now() - GRACE
    for root in ROOTS:
        model, field = (IssuedDocument, "pdf") if root == "documents" else (Attachment, "file")
        batch: list[str] = []
        for name in _walk(root):
            batch.append(name)
            if len(batch) == 1000:
                yield from _orphans(model, field, batch, cutoff)
                batch = []
        yield from _orphans(model, field, batch, cutoff)


def _orphans(model, field: str, names: list[str], cutoff) -> Iterator[str]:
    if not names:
        return
    known = set(model.objects.filter(**{f"{field}__in": names}).values_list(field, flat=True))
    for name in names:
        if name not in known and default_storage.get_modified_time(name) < cutoff:
            yield name


def delete_unreferenced_files() -> int:
    count = 0
    for name in list(unreferenced_files()):
        default_storage.delete(name)
        log.warning("deleted unreferenced stored file %s", name)
        count += 1
    return count
