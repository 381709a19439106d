"""AR1: the archive download — a zip of every stored PDF and attachment with a PDF index (numbers, dates,
SHA-256), built by a background job, scoped and audited."""

import hashlib
import io
import re
import zipfile

import pytest
from pypdf import PdfReader

from jiuzhu.archive import services
from jiuzhu.archive.bundle import INDEX_NAME
from jiuzhu.cases import documents as case_documents
from jiuzhu.core.models import AuditEvent
from jiuzhu.documents import services as documents
from jiuzhu.documents.models import Attachment, IssuedDocument
from tests.archive.conftest import image_bytes, upload
from tests.archive.helpers import approved_case
from tests.helpers import client_for, user

pytestmark = pytest.mark.django_db


def _index_text(data: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)


def test_AR1_archive_zip_has_every_file_and_an_index_with_their_sha256(django_capture_on_commit_callbacks):
    case = approved_case()
    approval = case_documents.issue(by=user("ab_caseworker"), case=case, kind="approval_notice")
    investigation = case_documents.issue(by=user("ab_caseworker"), case=case, kind="investigation_form")
    photo = documents.attachment_store(
        by=user("ab_caseworker"),
        upload=upload("公示照片.png", image_bytes()),
        kind="photo",
        area_code=case.area_code,
        owner=case.public_notices.get(),
    )
    c = client_for("ab_caseworker")
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(f"/archive/households/{case.household.pk}/bundle/")
    assert r.status_code == 302
    job_url = r["Location"]
    page = c.get(job_url).content.decode()
    assert 'data-status="done"' in page and "已打包 3 件" in page
    download = c.get(job_url + "download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    data = b"".join(download.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert names[-1] == INDEX_NAME and len(names) == 4
    assert [n[:3] for n in names[:3]] == ["001", "002", "003"]
    expected = {
        approval.pdf_sha256: approval,
        investigation.pdf_sha256: investigation,
        Attachment.objects.get(pk=photo.pk).sha256: photo,
    }
    index = _index_text(archive.read(INDEX_NAME))
    assert (
        "王大山户社会救助档案目录" in index and "安邦乡人民政府保管" not in index
    )  # no custody registered yet
    for name in names[:3]:
        content = archive.read(name)
        digest = hashlib.sha256(content).hexdigest()
        assert digest in expected, name  # byte for byte what was filed
        assert digest in index  # and listed in the index with its SHA-256
    assert approval.number in index and "社会救助审批通知书" in index and "公示照片" in index
    assert "档案不齐全" in index  # the completeness check travels with the archive
    assert any(n.endswith(".png") for n in names) and sum(n.endswith(".pdf") for n in names) == 3
    # the request and the download are audited (personal data)
    actions = set(
        AuditEvent.objects.filter(
            object_type="registry.household", object_id=str(case.household.pk)
        ).values_list("action", flat=True)
    )
    assert {"archive.bundle_request", "archive.bundle_download"} <= actions


def test_AR1_archive_marks_a_file_changed_in_storage(django_capture_on_commit_callbacks):
    case = approved_case()
    doc = case_documents.issue(by=user("ab_caseworker"), case=case, kind="approval_notice")
    IssuedDocument.objects.filter(pk=doc.pk).update(pdf_sha256="0" * 64)  # the record no longer matches
    with django_capture_on_commit_callbacks(execute=True):
        job = services.bundle_request(by=user("ab_approver"), household=case.household)
    job.refresh_from_db()
    assert job.status == "done" and len(job.result["mismatches"]) == 1
    with services.bundle_open(by=user("ab_approver"), job=job) as fh:
        archive = zipfile.ZipFile(io.BytesIO(fh.read()))
    assert "与存档记录不符" in _index_text(archive.read(INDEX_NAME))


def test_AR1_archive_download_is_for_the_requester_only(django_capture_on_commit_callbacks, fast_pdf):
    case = approved_case()
    with django_capture_on_commit_callbacks(execute=True):
        r = client_for("ab_caseworker").post(f"/archive/households/{case.household.pk}/bundle/")
    job_url = r["Location"]
    for other in ("ab_approver", "js_bureau", "emr_caseworker"):
        assert client_for(other).get(job_url).status_code == 404
        assert client_for(other).get(job_url + "download/").status_code == 404
    assert (
        client_for("ab_assistant").post(f"/archive/households/{case.household.pk}/bundle/").status_code == 403
    )


def test_PI1_archive_bundle_is_sealed_at_rest_and_purged_with_its_job_after_retention(
    django_capture_on_commit_callbacks, fast_pdf
):
    """A household's whole file in one zip is personal data like a bank file: sealed in storage, opened only
    for the logged download, deleted after `files.retention_days` (the download then says so)."""
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.core.management import call_command

    from jiuzhu.core import clock, crypto

    case = approved_case()
    case_documents.issue(by=user("ab_caseworker"), case=case, kind="approval_notice")
    c = client_for("ab_caseworker")
    with django_capture_on_commit_callbacks(execute=True):
        job_url = c.post(f"/archive/households/{case.household.pk}/bundle/")["Location"]
    job_id = int(job_url.rstrip("/").split("/")[-1])
    from jiuzhu.core.models import Job

    path = Job.objects.get(pk=job_id).result["path"]
    with default_storage.open(path, "rb") as raw:
        stored = raw.read()
    assert stored.startswith(crypto.FILE_MAGIC) and b"PK\x03\x04" not in stored[:64]
    download = c.get(job_url + "download/")
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    assert zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()

    clock.advance(timedelta(days=31))
    call_command("purge_personal_files")
    assert not default_storage.exists(path)
    purge = AuditEvent.objects.get(action="files.purge", object_id=str(job_id))
    assert purge.after["files"] == [path] and purge.actor is None
    assert "path" not in Job.objects.get(pk=job_id).result
    gone = c.get(job_url + "download/")
    assert gone.status_code == 404 and "保存期限" in gone.content.decode()
    assert 'data-testid="bundle-purged"' in c.get(job_url).content.decode()
