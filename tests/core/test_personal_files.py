"""PI1: files with personal data — bank files and import uploads sealed at rest with the crypto suite, decrypted
only for a logged download, deleted after the retention parameter (audited); CSV cells never formulas;
downloads named by their detected type."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from jiuzhu.core import clock, crypto
from jiuzhu.core.exports import csv_safe
from jiuzhu.core.models import AuditEvent, Job
from jiuzhu.payments.models import BankFile
from jiuzhu.payments.services import bank_files, bank_formats
from tests.helpers import ANBANG_VILLAGE, JIANSHAN, client_for, payable_world, run_payroll, user
from tests.registry.test_import import _csv

pytestmark = pytest.mark.django_db
ACCOUNT = "6217000000000000001"


def _bank_file(file_type: str = "csv") -> BankFile:
    payable_world()
    run_payroll()
    fmt = bank_formats.bank_format_save(
        by=user("js_finance"),
        county_code=JIANSHAN,
        name="尖山农商行",
        fields=["account", "name", "amount", "reference"],
        encoding="utf-8",
    )
    return bank_files.bank_file_create(
        by=user("js_finance"),
        county_code=JIANSHAN,
        month=clock.today().replace(day=1),
        bank_format=fmt,
        file_type=file_type,
    ).bank_file


def _raw(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        return fh.read()


def test_bank_file_is_sealed_at_rest_decrypted_only_on_a_logged_download_and_purged_after_retention():
    bank_file = _bank_file()
    stored = _raw(bank_file.file.name)
    assert stored.startswith(crypto.FILE_MAGIC) and ACCOUNT.encode() not in stored
    assert crypto.sealed_ref(io.BytesIO(stored)) == crypto.current_ref()

    assert client_for("ab_caseworker").get(f"/payments/bank-files/{bank_file.pk}/").status_code in (403, 404)
    assert client_for("qj_bureau").get(f"/payments/bank-files/{bank_file.pk}/").status_code == 404
    r = client_for("js_finance").get(f"/payments/bank-files/{bank_file.pk}/")
    assert (
        r.status_code == 200 and "no-store" in r["Cache-Control"] and "attachment" in r["Content-Disposition"]
    )
    assert ACCOUNT in b"".join(r.streaming_content).decode()
    logged = AuditEvent.objects.get(action="payroll.bank_file_download", object_id=str(bank_file.pk))
    assert logged.actor.username == "js_finance"
    page = client_for("js_finance").get(f"/payments/runs/{bank_file_run(bank_file)}/").content.decode()
    assert f"/payments/bank-files/{bank_file.pk}/" in page

    name = bank_file.file.name
    clock.advance(timedelta(days=29))
    call_command("purge_personal_files")
    assert default_storage.exists(name)  # within the 30 days
    clock.advance(timedelta(days=2))
    call_command("purge_personal_files")
    bank_file.refresh_from_db()
    assert not default_storage.exists(name) and not bank_file.file
    assert bank_file.sha256 and bank_file.lines  # the record of what was paid stays
    purge = AuditEvent.objects.get(action="payroll.bank_file_purge", object_id=str(bank_file.pk))
    assert purge.after["retention_days"] == 30 and purge.actor is None
    gone = client_for("js_finance").get(f"/payments/bank-files/{bank_file.pk}/")
    assert gone.status_code == 404 and "保存期限" in gone.content.decode()


def bank_file_run(bank_file: BankFile) -> int:
    from jiuzhu.payments.models import PayrollRun

    return PayrollRun.objects.get(county_code=bank_file.county_code, month=bank_file.month).pk


def test_retention_is_a_parameter():
    from jiuzhu.core.services import param_set

    bank_file = _bank_file()
    param_set(
        by=user("js_admin"),
        key="files.retention_days",
        scope_code=JIANSHAN,
        effective_from=clock.today(),
        value=7,
        reason="县局规定银行文件保存 7 天",
    )
    clock.advance(timedelta(days=8))
    call_command("purge_personal_files")
    bank_file.refresh_from_db()
    assert not bank_file.file


def test_import_uploads_and_their_error_workbooks_are_sealed_logged_and_purged(
    django_capture_on_commit_callbacks,
):
    c = client_for("ab_caseworker")
    content = _csv(3, bad_line=3)
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/registry/import/", {"file": SimpleUploadedFile("households.csv", content)})
    job = Job.objects.get(pk=r["Location"].rstrip("/").split("/")[-1])
    number = content.decode("utf-8-sig").splitlines()[1].split(",")[7]
    upload, errors = job.file.name, job.result["errors_file"]
    for name in (upload, errors):
        raw = _raw(name)
        assert raw.startswith(crypto.FILE_MAGIC) and number.encode() not in raw, name
    assert number in job.file.open("rb").read().decode("utf-8-sig")  # the worker reads it back
    download = c.get(f"/registry/import/jobs/{job.pk}/errors.xlsx")
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    assert AuditEvent.objects.filter(action="files.download", object_id=str(job.pk)).exists()
    clock.advance(timedelta(days=31))
    call_command("purge_personal_files")
    job.refresh_from_db()
    assert not job.file and "errors_file" not in job.result
    assert not default_storage.exists(upload) and not default_storage.exists(errors)
    event = AuditEvent.objects.get(action="files.purge", object_id=str(job.pk))
    assert set(event.after["files"]) == {upload, errors}


# --- CSV formula injection -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x","点我")', '\'=HYPERLINK("http://x","点我")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("-12.50", "-12.50"),
        ("1380.00", "1380.00"),
        ("王大山", "王大山"),
    ],
)
def test_csv_cells_never_start_a_formula(cell, written):
    assert csv_safe(cell) == written


def test_the_bank_files_csv_neutralises_a_hostile_name():
    from jiuzhu.registry.models import Household

    bank_file = _bank_file()
    household = Household.objects.filter(area_code=ANBANG_VILLAGE).first()
    hostile = '=HYPERLINK("http://evil.example","点击领取")'
    from jiuzhu.payments.models import LedgerEntry

    LedgerEntry.objects.filter(household_id=household.pk).update(recipient_name=hostile)
    export = bank_files.bank_file_create(
        by=user("js_finance"),
        county_code=JIANSHAN,
        month=bank_file.month,
        bank_format=bank_file.bank_format,
        file_type="csv",
    )
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8"))))
    names = [row[1] for row in rows[1:]]
    assert "'" + hostile in names and hostile not in names


def test_every_csv_the_product_writes_goes_through_the_one_helper():
    root = Path(__file__).resolve().parents[2] / "jiuzhu"
    writers = [
        f"{path.relative_to(root)}"
        for path in root.rglob("*.py")
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))
    ]
    assert writers == ["core/exports.py"]


def test_xlsx_exports_never_turn_text_into_formulas():
    import openpyxl

    from jiuzhu.core.exports import xlsx_bytes

    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes("表", ["姓名"], [["=1+1"]], title="=cmd")))
    sheet = book.active
    assert sheet["A1"].data_type == "s" and sheet["A3"].value == "=1+1" and sheet["A3"].data_type == "s"


# --- download names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "mime", "expected"),
    [
        ("证明.exe", "application/pdf", "证明.pdf"),
        ("证明", "image/png", "证明.png"),
        ("照片.JPEG", "image/jpeg", "照片.JPEG"),
        ("scan.pdf.bat", "application/pdf", "scan.pdf.pdf"),
    ],
)
def test_downloads_carry_the_extension_of_the_detected_type(name, mime, expected):
    from jiuzhu.core.filetypes import download_name

    assert download_name(name, mime) == expected


def test_an_attachment_named_exe_downloads_as_pdf():
    from jiuzhu.documents.services import attachment_store
    from tests.helpers import make_household

    household = make_household()
    pdf = SimpleUploadedFile("低保证明.exe", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    attachment = attachment_store(
        by=user("ab_caseworker"), upload=pdf, kind="scan", area_code=household.area_code, owner=household
    )
    r = client_for("ab_caseworker").get(f"/documents/attachments/{attachment.pk}/?download=1")
    assert (
        r.status_code == 200 and ".pdf" in r["Content-Disposition"] and ".exe" not in r["Content-Disposition"]
    )
    api = client_for("ab_caseworker").get(f"/api/v1/attachments/{attachment.pk}")
    assert ".pdf" in api["Content-Disposition"] and ".exe" not in api["Content-Disposition"]
    assert "no-store" in r["Cache-Control"] and "no-store" in api["Cache-Control"]  # downloads too (PI1)


def test_a_file_no_record_names_is_deleted_from_the_sealed_directories_after_a_day():
    """A worker killed between writing a workbook and recording it leaves a file under jobs/ that no row
    names; the retention purge sweeps such files (audited), never one a job still names nor a young one."""
    import os

    from django.core.files.base import ContentFile

    from jiuzhu.core.crypto.sealed import sealed_storage

    storage = sealed_storage()
    orphan = storage.save("jobs/2026/11/import-999-errors.xlsx", ContentFile(b"110101199003071234"))
    young = storage.save("jobs/2026/11/import-998-errors.xlsx", ContentFile(b"110101199003071234"))
    job = Job.objects.create(
        kind="household_import", area_code=ANBANG_VILLAGE, status="running", created_at=clock.now()
    )
    job.file.save("upload.csv", ContentFile(b"110101199003071234"))
    two_days_ago = (clock.now() - timedelta(days=2)).timestamp()
    for name in (orphan, job.file.name):
        os.utime(default_storage.path(name), (two_days_ago, two_days_ago))
    young_time = (clock.now() - timedelta(hours=2)).timestamp()
    os.utime(default_storage.path(young), (young_time, young_time))

    call_command("purge_personal_files")
    assert not default_storage.exists(orphan)
    assert default_storage.exists(young) and default_storage.exists(job.file.name)
    event = AuditEvent.objects.get(action="files.purge", object_id="jobs")
    assert event.after == {"files": [orphan], "reason": "unreferenced"} and event.actor is None
