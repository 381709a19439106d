"""Files of a case (AR1): scans of materials, photos and video of the home visit (I1), other papers."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from jiuzhu.cases.models import Case
from jiuzhu.core.errors import NotFound
from jiuzhu.documents.models import Attachment
from jiuzhu.documents.services import attachment_store
from jiuzhu.orgs.roles import Perm

OWNERS = {
    "case": None,
    "material": "materials",
    "investigation": "investigations",
    "review": "reviews",
    "meeting": "meetings",
    "notice": "public_notices",
}


def owner_of(case: Case, ref: str):
    """'material:12' → that material of this case (never another case's)."""
    kind, _, pk = ref.partition(":")
    if kind not in OWNERS:
        raise NotFound("附件归属无效")
    if kind == "case":
        return case
    try:
        return getattr(case, OWNERS[kind]).get(pk=pk)
    except (ObjectDoesNotExist, ValueError):
        raise NotFound("附件归属无效") from None


def attach(*, by, case: Case, owner_ref: str, upload, kind: str, note: str = "") -> Attachment:
    return attachment_store(
        by=by,
        upload=upload,
        kind=kind,
        area_code=case.area_code,
        owner=owner_of(case, owner_ref),
        note=note,
        perm=Perm.CASE_PROCESS,
    )
