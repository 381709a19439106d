"""DOMAIN §8: each step's documents, with the right authority (D1) and Chinese content in the PDF."""

import io

import pytest
from pypdf import PdfReader

from jiuzhu.cases import documents
from jiuzhu.cases.services import intake, steps
from jiuzhu.core.errors import Forbidden, ValidationFailed
from tests.helpers import client_for, d, make_case, meeting, review, to_investigated, user

pytestmark = pytest.mark.django_db


def _text(document) -> str:
    with document.pdf.open("rb") as fh:
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(fh.read())).pages)


def test_approval_notice_names_the_bureau_and_the_township_as_handling_unit():
    case = to_investigated()
    review(case)
    steps.decide(by=user("ab_approver"), case=case, data=meeting())
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-12"))
    steps.finalize(by=user("ab_approver"), case=case)
    assert set(documents.issuable(case)) >= {
        "approval_notice",
        "investigation_form",
        "review_minutes",
        "decision_minutes",
        "public_notice",
    }
    doc = documents.issue(by=user("ab_caseworker"), case=case, kind="approval_notice")
    text = _text(doc)
    assert doc.authority_name == "尖山区民政局" and doc.handling_unit_name == "安邦乡人民政府"
    assert "尖山区民政局" in text and "安邦乡人民政府" in text and "1,040.00" in text
    public = documents.issue(by=user("ab_caseworker"), case=case, kind="public_notice")
    public_text = _text(public)
    assert "王*" in public_text and case.household.head_name not in public_text  # masked (P2)


def test_rejection_notice_on_the_bureau_route_has_no_handling_unit():
    from tests.cases.test_workflow import qijiang_case
    from tests.helpers import accept, investigate, verify

    case = qijiang_case()
    accept(case, by="qj_dx_caseworker")
    verify(case, by="qj_dx_caseworker", verifier="qj_verifier")
    investigate(case, by="qj_dx_caseworker")
    review(case, by="qj_dx_caseworker")
    steps.township_review(by=user("qj_dx_approver"), case=case, data=meeting())
    steps.bureau_decide(
        by=user("qj_bureau"),
        case=case,
        data=meeting(on="2026-11-13", outcome="reject", reasons="家庭人均收入高于当地低保标准"),
    )
    doc = documents.issue(by=user("qj_bureau"), case=case, kind="rejection_notice")
    assert doc.authority_name == "綦江区民政局" and doc.handling_unit_name == ""
    assert "高于当地低保标准" in _text(doc) and "不予批准" in _text(doc)


def test_intake_notice_pdf_and_who_may_issue():
    case = make_case()
    intake.notify_missing(by=user("ab_caseworker"), case=case)
    with pytest.raises(ValidationFailed):
        documents.issue(by=user("ab_caseworker"), case=case, kind="approval_notice")  # not decided yet
    with pytest.raises(Forbidden):
        documents.issue(by=user("ab_assistant"), case=case, kind="missing_materials_notice")
    doc = documents.issue(by=user("ab_caseworker"), case=case, kind="missing_materials_notice")
    assert "家庭困难情况说明" in _text(doc) and doc.authority_name == "安邦乡人民政府"
    r = client_for("ab_caseworker").post(f"/cases/{case.pk}/documents/missing_materials_notice/")
    assert r.status_code == 302 and "/documents/" in r["Location"]
    assert "申请材料一次性告知书" in client_for("ab_caseworker").get(f"/cases/{case.pk}/").content.decode()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n" + b"0" * 64


def test_A3_material_with_its_scan_and_wrong_scan_refused_before_anything_is_written():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jiuzhu.cases.models import MaterialRequirement
    from jiuzhu.documents.models import Attachment

    case = make_case()
    form = MaterialRequirement.objects.get(
        assistance_type="dibao_rural", code="application_form", scope_code=""
    )
    with pytest.raises(ValidationFailed) as exc:
        intake.material_receive(
            by=user("ab_caseworker"),
            case=case,
            requirement=form,
            received_on=d("2026-11-03"),
            scan=SimpleUploadedFile("申请书.pdf", b"PK\x03\x04zipzip" + b"0" * 40),
        )
    assert "文件类型不符" in exc.value.message and not case.materials.exists()
    material = intake.material_receive(
        by=user("ab_caseworker"),
        case=case,
        requirement=form,
        received_on=d("2026-11-03"),
        scan=SimpleUploadedFile("申请书.pdf", PDF),
    )
    scan = Attachment.objects.get(owner_id=str(material.pk))
    assert scan.content_type == "application/pdf" and scan.area_code == case.area_code
    page = client_for("ab_caseworker").get(f"/cases/{case.pk}/").content.decode()
    assert "申请书.pdf" in page


def test_I1_photos_of_the_home_visit_attach_to_the_investigation():
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = to_investigated()
    investigation = case.investigations.get()
    c = client_for("ab_caseworker")
    r = c.post(
        f"/cases/{case.pk}/attachments/",
        {
            "owner": f"investigation:{investigation.pk}",
            "f-kind": "photo",
            "f-note": "入户照片",
            "f-file": SimpleUploadedFile("入户.png", PNG),
        },
    )
    assert r.status_code == 302
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert "入户.png" in page
    other = make_case()
    r = c.post(
        f"/cases/{other.pk}/attachments/",
        {
            "owner": f"investigation:{investigation.pk}",
            "f-kind": "photo",
            "f-file": SimpleUploadedFile("x.png", PNG),
        },
    )
    assert r.status_code == 404  # a record of another case cannot be the owner
