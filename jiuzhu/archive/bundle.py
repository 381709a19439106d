"""The archive download of a household file (AR1): a zip of every stored PDF and attachment, numbered in
time order, with a generated PDF index (number, date, kind, title, document number, file name, size,
SHA-256) and the completeness check (S3). Built by a background job with progress; every file is streamed
from storage in chunks and its SHA-256 checked against the one stored when it was filed."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime

from django.core.files import File
from django.template.loader import render_to_string
from django.utils import timezone

from jiuzhu.archive import completeness, custody, hooks
from jiuzhu.archive import household_file as hf
from jiuzhu.core import clock, jobs
from jiuzhu.core.crypto.sealed import sealed_storage
from jiuzhu.core.models import Job
from jiuzhu.documents import rendering
from jiuzhu.orgs.models import Jurisdiction, User
from jiuzhu.registry.models import Household

CHUNK = 1024 * 1024
INDEX_NAME = "000-档案目录.pdf"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass(frozen=True)
class Packed:
    seq: int
    entry: hf.Entry
    name: str  # the file's name inside the zip
    size: int
    sha256: str  # as read now
    matches: bool  # equals the hash stored when the file was filed


def safe_name(text: str, limit: int = 60) -> str:
    cleaned = _UNSAFE.sub("_", text).strip(" ._") or "文件"
    return cleaned[:limit]


def _zip_name(seq: int, entry: hf.Entry) -> str:
    day = timezone.localtime(entry.at).strftime("%Y%m%d")
    if entry.kind == hf.DOCUMENT:
        stem, ext = f"{entry.title}-{entry.number}", ".pdf"
    else:
        stem, ext = os.path.splitext(entry.title)[0], os.path.splitext(entry.obj.file.name)[1].lower()
    return f"{seq:03d}-{day}-{safe_name(stem)}{ext}"


def _stored_file(entry: hf.Entry):
    return entry.obj.pdf if entry.kind == hf.DOCUMENT else entry.obj.file


def _copy(zf: zipfile.ZipFile, name: str, entry: hf.Entry) -> tuple[int, str]:
    """Stream one stored file into the zip; return its size and SHA-256 as read."""
    info = zipfile.ZipInfo(name, date_time=timezone.localtime(entry.at).timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED  # PDFs, images and video are compressed already
    digest = hashlib.sha256()
    size = 0
    with _stored_file(entry).open("rb") as source, zf.open(info, "w", force_zip64=True) as target:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            target.write(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def index_pdf(
    *,
    household: Household,
    packed: list[Packed],
    check: completeness.Completeness,
    by: User | None,
    at: datetime,
) -> bytes:
    village = Jurisdiction.objects.select_related("parent").filter(code=household.area_code).first()
    html = render_to_string(
        "archive/index_pdf.html",
        {
            "household": household,
            "village": village,
            "custody": custody.current_custody(household),
            "packed": packed,
            "check": check,
            "sections": hooks.sections_for(by, household),
            "by": by,
            "at": at,
            "mismatches": [p for p in packed if not p.matches],
        },
    )
    return rendering.render_pdf(html)


def build(job: Job) -> dict:
    """The job's work: read the file through the requester's scope, pack it, store the zip."""
    user = job.created_by
    household = Household.objects.get(pk=job.params["household"])
    items = [
        e
        for e in hf.entries(user, household, hf.Filters(kinds=frozenset({hf.DOCUMENT, hf.ATTACHMENT})))
        if e.has_file
    ]
    jobs.progress(job.pk, total=len(items) + 1, done=0, phase="打包文书和附件")
    packed: list[Packed] = []
    now = clock.now()
    with tempfile.TemporaryFile() as tmp:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            for seq, entry in enumerate(items, start=1):
                name = _zip_name(seq, entry)
                size, sha = _copy(zf, name, entry)
                packed.append(Packed(seq, entry, name, size, sha, sha == entry.sha256))
                jobs.progress(job.pk, done=seq)
            jobs.progress(job.pk, phase="生成档案目录")
            check = completeness.check_household(household, hf.cases_of(household))
            index = index_pdf(household=household, packed=packed, check=check, by=user, at=now)
            info = zipfile.ZipInfo(INDEX_NAME, date_time=timezone.localtime(now).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, index)
        jobs.progress(job.pk, done=len(items) + 1, phase="保存档案包")
        tmp.seek(0)
        digest = hashlib.sha256()
        while chunk := tmp.read(CHUNK):
            digest.update(chunk)
        size = tmp.tell()
        tmp.seek(0)
        path = sealed_storage().save(  # every document of a household: sealed at rest (PI1)
            f"archives/{household.area_code[:6]}/{now:%Y/%m}/{uuid.uuid4().hex}.zip", File(tmp, name="a.zip")
        )
    return {
        "path": path,
        "size": size,
        "sha256": digest.hexdigest(),
        "files": len(packed),
        "mismatches": [p.name for p in packed if not p.matches],
        "complete": check.complete,
        "filename": f"{safe_name(household.head_name or '家庭')}户档案-{now:%Y%m%d}.zip",
    }
