"""DOMAIN §8: each step's documents, with the right authority (D1) and Chinese content in the PDF."""

import io

import pytest
from pypdf import PdfReader

from jiuzhu.cases import documents
from jiuzhu.cases.services import intake, steps
from jiuzhu.core.errors import Forbidden, NotFound, ValidationFailed
from tests.helpers import (
    client_for,
    d,
    make_case,
    make_household,
    meeting,
    member,
    review,
    to_investigated,
    user,
)

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
    from tests.cases.test_workflow import qijiang_township_reviewed

    case = qijiang_township_reviewed()
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


def _household_with_income_and_assets():
    from jiuzhu.registry.services.income_assets import asset_add, income_add

    household = make_household(
        members=[
            member("王大山", disability="physical", disability_grade=2, work_ability="partial"),
            member("刘秀兰", "spouse", id_kw={"birth": "19820303", "female": True}),
            member("王小禾", "child", id_kw={"birth": "20140505", "female": True}, schooling="primary"),
        ],
        urban_rural="rural",
    )
    income_add(
        by=user("ab_caseworker"),
        household=household,
        member=household.members.get(name="刘秀兰"),
        category="wage",
        description="镇上超市务工",
        monthly_amount="900",
    )
    asset_add(
        by=user("ab_caseworker"),
        household=household,
        kind="housing",
        description="自建砖房",
        quantity="80",
        unit="平方米",
    )
    return household


def _flat(document) -> str:
    """The PDF's text without the line breaks and spaces of its layout."""
    return _text(document).replace("\n", "").replace(" ", "")


def _assert_members_masked(case, text: str, names) -> None:
    for m in case.household.members.filter(name__in=names):
        assert m.name in text and m.id_masked in text
    for m in case.household.members.all():
        assert intake_id(m) not in text  # the full ID number never appears


def intake_id(m) -> str:
    from jiuzhu.registry.services.members import member_reveal_id

    return member_reveal_id(by=user("ab_caseworker"), member=m)


def test_A1_A3_application_form_lists_the_household_members_masked_income_and_assets():
    case = make_case(_household_with_income_and_assets(), reason="户主肢体残疾，丧失主要劳动能力")
    assert {"application_form", "verification_authorisation", "commitment_letter"} <= set(
        documents.issuable(case)
    )
    doc = documents.issue(by=user("ab_caseworker"), case=case, kind="application_form")
    text = _flat(doc)
    assert doc.title == "社会救助申请书" and doc.authority_name == "安邦乡人民政府"
    assert doc.handling_unit_name == "" and "安邦乡人民政府" in text
    assert "社会救助申请书" in text and case.number in text and "农村最低生活保障" in text
    _assert_members_masked(case, text, ["王大山", "刘秀兰", "王小禾"])
    assert "肢体残疾2级" in text and "部分丧失劳动能力" in text and "小学" in text
    assert "尖山区安邦乡" in text and "农村" in text
    assert "镇上超市务工" in text and "900.00" in text and "人均300.00元" in text
    assert "自建砖房" in text and "80平方米" in text
    assert "户主肢体残疾，丧失主要劳动能力" in text and "2026年11月2日" in text
    assert "申请人（签字或按手印）" in text


def test_A5_authorisation_has_a_signature_place_per_adult_and_shows_who_signed():
    from jiuzhu.cases.services import intake

    case = make_case(_household_with_income_and_assets())
    spouse = case.household.members.get(name="刘秀兰")
    intake.signature_record(
        by=user("ab_caseworker"), case=case, member=spouse, kind="authorisation", signed_on=d("2026-11-02")
    )
    doc = documents.issue(by=user("ab_caseworker"), case=case, kind="verification_authorisation")
    text = _flat(doc)
    assert doc.title == "家庭经济状况核对授权书" and doc.authority_name == "安邦乡人民政府"
    assert "安邦乡人民政府" in text and "尖山区民政局" in text
    for source in ("银行存款", "不动产", "机动车辆", "社会保险", "纳税", "市场主体登记"):
        assert source in text
    _assert_members_masked(case, text, ["王大山", "刘秀兰"])
    child = case.household.members.get(name="王小禾")
    assert child.id_masked not in text  # a minor has no signature row: the guardian authorises
    assert "王小禾的信息由其监护人代为授权" in text
    assert "已签署2026年11月2日" in text and "待签署：王大山" in text
    assert "成年家庭成员2人，已签署1人" in text


def test_A3_commitment_letter_binds_every_adult_and_the_village_assistant_may_print_it():
    case = make_case(_household_with_income_and_assets())
    doc = documents.issue(by=user("ab_assistant"), case=case, kind="commitment_letter")
    text = _flat(doc)
    assert doc.title == "申请人承诺书" and doc.authority_name == "安邦乡人民政府"
    assert "安邦乡人民政府" in text
    assert "真实、完整" in text and "及时主动向安邦乡人民政府" in text and "社会信用记录" in text
    assert "近亲属" in text
    _assert_members_masked(case, text, ["王大山", "刘秀兰"])
    assert "待签署：王大山、刘秀兰" in text
    page = client_for("ab_assistant").get(f"/cases/{case.pk}/").content.decode()
    for kind in ("application_form", "verification_authorisation", "commitment_letter"):
        assert f'data-testid="issue-{kind}"' in page
    assert 'data-testid="issue-missing_materials_notice"' not in page
    r = client_for("ab_assistant").post(f"/cases/{case.pk}/documents/application_form/")
    assert r.status_code == 302 and "/documents/" in r["Location"]
    with pytest.raises(NotFound):  # outside the assistant's own area
        documents.issue(by=user("emr_assistant"), case=case, kind="commitment_letter")


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
