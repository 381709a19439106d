"""Files of a case (AR1): scans of materials, photos and video of the home visit (I1), other papers."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.core.files.uploadedfile import UploadedFile

from jiuzhu.cases.models import Case
from jiuzhu.core.errors import NotFound
from jiuzhu.documents.models import Attachment
from jiuzhu.documents.services import attachment_store
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm

# What an attachment may belong to besides the case itself: the case's related records, by kind.
RECORDS = {
    "material": "materials",
    "investigation": "investigations",
    "review": "reviews",
    "meeting": "meetings",
    "notice": "public_notices",
}


def owner_of(case: Case, ref: str):
    """'material:12' → that material of this case (never another case's)."""
    kind, _, pk = ref.partition(":")
    if kind == "case":
        return case
    if kind not in RECORDS:
        raise NotFound("附件归属无效")
    try:
        return getattr(case, RECORDS[kind]).get(pk=pk)
    except (ObjectDoesNotExist, ValueError):
        raise NotFound("附件归属无效") from None


def attach(
    *, by: User, case: Case, owner_ref: str, upload: UploadedFile, kind: str, note: str = ""
) -> Attachment:
    return attachment_store(
        by=by,
        upload=upload,
        kind=kind,
        area_code=case.area_code,
        owner=owner_of(case, owner_ref),
        note=note,
        perm=Perm.CASE_PROCESS,
    )
