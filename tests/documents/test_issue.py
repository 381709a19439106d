"""Issuing official documents: the delegation letter (D5), the authority of delegated decisions (D1),
the QR code and the public verification page (content hash, archived PDF)."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from pypdf import PdfReader

from jiuzhu.core import audit
from jiuzhu.core.errors import Forbidden, NotFound, ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.documents import compose, kinds, rendering, services
from jiuzhu.documents.models import DocumentNumber, IssuedDocument, NumberStatus
from jiuzhu.orgs.models import DelegationGrant
from jiuzhu.orgs.roles import Perm
from tests.documents.conftest import stored_files, upload
from tests.helpers import ANBANG, DONGXI, ERMALU, client_for, user

pytestmark = pytest.mark.django_db


def pdf_text(document: IssuedDocument) -> str:
    with document.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    # Line breaks inside paragraphs are layout, not content.
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def pdf_bytes_of(document: IssuedDocument) -> bytes:
    with document.pdf.open("rb") as handle:
        return handle.read()


def anbang_grant() -> DelegationGrant:
    return DelegationGrant.objects.get(township_id=ANBANG, category="dibao")


def issue_letter(username: str = "js_bureau", grant: DelegationGrant | None = None) -> IssuedDocument:
    return services.delegation_letter_issue(by=user(username), grant=grant or anbang_grant())


def test_D5_delegation_letter_pdf_has_the_parties_scope_basis_and_duties():
    document = issue_letter()
    text = pdf_text(document)
    assert "社会救助业务审批权限下放委托书" in text
    assert "委托单位：尖山区人民政府" in text
    assert "受委托单位：安邦乡人民政府" in text
    assert "以尖山区民政局的名义行使权力" in text
    assert "2021年7月1日起" in text
    # One letter covers the four categories registered under its number.
    for category in ("最低生活保障", "特困人员救助供养", "临时救助", "低收入家庭认定"):
        assert category in text
    assert "黑民发〔2013〕139号" in text  # 黑龙江's legal basis list
    assert "不得将受托职权再委托其他组织或个人" in text  # D4, liability clauses
    assert "业务指导" in text
    assert "法定代表人（签字）" in text and "（盖章）" in text
    assert "每月的24日前" in text  # M1 day, from the policy parameters
    assert "2021年6月28日" in text  # signed on
    assert "核验码" in text and document.verify_code in text.replace(" ", "")
    assert re.search(r"— ?1 ?—", text)  # page numbers
    assert document.number == anbang_grant().letter_no
    assert document.authority_name == "尖山区人民政府" and document.handling_unit_name == ""
    assert document.issuing_org.kind == "government"
    assert document.area_code == ANBANG
    assert document.subject == anbang_grant()


def test_D5_letter_audit_event_and_hashes():
    document = issue_letter()
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "document.issue" and event.object_id == str(document.pk)
    assert event.after["content_sha256"] == document.content_sha256
    assert rendering.content_hash(document.content) == document.content_sha256
    assert rendering.sha256_bytes(pdf_bytes_of(document)) == document.pdf_sha256
    assert document.content["context"]["township"] == "安邦乡"


def test_D5_only_the_bureau_issues_the_letter_and_only_once():
    with pytest.raises(Forbidden):
        issue_letter("ab_approver")
    with pytest.raises(NotFound):
        issue_letter("qj_bureau")
    first = issue_letter()
    tekun = DelegationGrant.objects.get(township_id=ANBANG, category="tekun")
    with pytest.raises(ValidationFailed) as exc:
        issue_letter(grant=tekun)  # same letter number: same letter
    assert "已用于" in exc.value.message and "请先作废原文书" in exc.value.message
    services.document_revoke(by=user("js_bureau"), document=first, reason="换用新模板重新出具")
    second = issue_letter(grant=tekun)
    assert second.number == first.number


def test_D1_delegated_decision_names_the_bureau_with_the_township_as_handling_unit():
    parties = compose.decision_parties(township_code=ANBANG, category="dibao", day=date(2026, 11, 20))
    assert parties.authority.name == "尖山区民政局" and parties.handling.name == "安邦乡人民政府"
    context = {
        "recipient": "王某",
        "address": "安邦乡长胜村",
        "assistance": "农村最低生活保障",
        "household_size": 2,
        "monthly_amount": Decimal("560.00"),
        "start_month": date(2026, 12, 1),
        "decided_on": date(2026, 11, 20),
        "applied_on": date(2026, 10, 30),
        "hotline": "",
    }
    document = services.document_issue(
        by=user("ab_caseworker"),
        kind="approval_notice",
        subject=None,
        context=context,
        issuing_org=parties.authority,
        handling_org=parties.handling,
    )
    text = pdf_text(document)
    assert "社会救助审批通知书" in text and "王某" in text and "560.00" in text
    assert "尖山区民政局" in text and "承办单位：安邦乡人民政府" in text
    assert document.authority_name == "尖山区民政局" and document.handling_unit_name == "安邦乡人民政府"
    # Numbered by the handling township, in the bureau's series (D1).
    assert document.number == "尖民救安〔2026〕1号"
    assert document.area_code == ANBANG


def test_D1_without_delegation_the_bureau_decides_alone():
    parties = compose.decision_parties(township_code=DONGXI, category="dibao", day=date(2026, 11, 20))
    assert parties.authority.name == "綦江区民政局" and parties.handling is None
    document = services.document_issue(
        by=user("qj_bureau"),
        kind="approval_notice",
        subject=None,
        context=kinds.get("approval_notice").sample(),
        issuing_org=parties.authority,
        area_code=DONGXI,
    )
    text = pdf_text(document)
    assert "綦江区民政局" in text and "承办单位" not in text
    assert document.number == "綦民救〔2026〕1号"


def without_template(monkeypatch) -> kinds.DocKind:
    """A kind declared in the registry whose template has not shipped yet (every kind of DOMAIN §8 has one
    today; the next capability may declare its kind before its template)."""
    kind = kinds.DocKind("future_notice", "尚无模板的文书", "—", Perm.CASE_PROCESS)
    monkeypatch.setitem(kinds.KINDS, kind.code, kind)
    assert not kind.has_default
    return kind


def test_kinds_without_a_template_cannot_be_issued_yet(monkeypatch):
    kind = without_template(monkeypatch)
    parties = compose.decision_parties(township_code=ANBANG, category="dibao", day=date(2026, 11, 20))
    with pytest.raises(ValidationFailed, match="“尚无模板的文书”的模板将随相关业务功能提供，暂不能出具"):
        services.document_issue(
            by=user("ab_caseworker"),
            kind=kind.code,
            subject=None,
            context={},
            issuing_org=parties.authority,
            handling_org=parties.handling,
        )
    assert not IssuedDocument.objects.exists()


def test_every_declared_kind_ships_a_default_template():
    assert [k.code for k in kinds.KINDS.values() if not k.has_default] == []


def test_a_failed_issue_leaves_no_file_no_row_and_records_its_number_void(media_root, monkeypatch):
    from django.core.files.storage import default_storage

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(default_storage, "save", full)
    with pytest.raises(OSError):
        _approval_notice()
    monkeypatch.undo()
    assert IssuedDocument.objects.count() == 0
    assert stored_files(media_root) == []
    void = DocumentNumber.objects.get()
    assert void.number == "尖民救二〔2026〕1号" and void.status == NumberStatus.VOID
    assert "No space left on device" in void.void_reason
    first = _approval_notice()
    assert first.number == "尖民救二〔2026〕2号"  # the void number is not reused and not skipped silently
    assert [(n.serial, n.status) for n in DocumentNumber.objects.order_by("serial")] == [
        (1, NumberStatus.VOID),
        (2, NumberStatus.ISSUED),
    ]
    assert first.register_entry.serial == 2


def test_when_even_the_void_cannot_be_written_the_clean_up_voids_the_number_later(media_root, monkeypatch):
    from datetime import timedelta

    from jiuzhu.core import clock
    from jiuzhu.documents import register

    def broken(**kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError, match="database unavailable"):
        _approval_notice()
    monkeypatch.undo()
    assert IssuedDocument.objects.count() == 0 and stored_files(media_root) == []
    entry = DocumentNumber.objects.get()
    assert entry.status == NumberStatus.RESERVED
    assert register.void_abandoned() == 0  # still possibly rendering
    clock.advance(register.ABANDONED_AFTER + timedelta(minutes=1))
    assert register.void_abandoned() == 1
    entry.refresh_from_db()
    assert entry.status == NumberStatus.VOID and "出具过程中断" in entry.void_reason


def test_a_template_that_fails_to_render_voids_its_number_with_the_reason(monkeypatch):
    def broken(html):
        raise rendering.TemplateFailed("文书模板有误，无法生成：缺少字体")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    with pytest.raises(rendering.TemplateFailed):
        _approval_notice()
    entry = DocumentNumber.objects.get()
    assert entry.status == NumberStatus.VOID and entry.void_reason == "文书模板有误，无法生成：缺少字体"
    event = AuditEvent.objects.filter(action="numbering.void").latest("id")
    assert event.reason == entry.void_reason and event.after["number"] == entry.number


def test_the_pdf_is_rendered_outside_any_transaction(monkeypatch):
    """No long write transaction: the sequence row is not locked (and SQLite not write-locked) while
    WeasyPrint renders."""
    from django.db import connection

    seen = []
    real = rendering.render_pdf

    def spy(html):
        # The test itself runs inside one transaction (rolled back afterwards): nothing deeper may be open.
        seen.append(len(connection.atomic_blocks))
        return real(html)

    monkeypatch.setattr(rendering, "render_pdf", spy)
    _approval_notice()
    assert seen == [1]


def test_issuing_inside_a_callers_transaction_is_refused():
    from django.db import transaction

    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        _approval_notice()


def _approval_notice():
    parties = compose.decision_parties(township_code=ERMALU, category="dibao", day=date(2026, 11, 20))
    return services.document_issue(
        by=user("emr_caseworker"),
        kind="approval_notice",
        subject=None,
        context={},
        issuing_org=parties.authority,
        handling_org=parties.handling,
    )


# --- verification ----------------------------------------------------------------------------------------


def test_qr_code_carries_the_verification_address(settings):
    settings.PUBLIC_BASE_URL = "https://jiuzhu.example.gov.cn/"
    document = issue_letter()
    url = rendering.verify_url(str(document.uuid), document.content_sha256)
    assert url == f"https://jiuzhu.example.gov.cn/verify/{document.uuid}/?h={document.content_sha256[:16]}"
    with document.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert any(page.images for page in reader.pages)  # the QR code is an embedded image


def test_public_verification_page_says_genuine_without_personal_data():
    document = issue_letter()
    anonymous = Client()
    response = anonymous.get(f"/verify/{document.uuid}/?h={document.verify_code}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "真实有效" in page
    assert document.number in page and "尖山区人民政府" in page and "社会救助业务审批权限下放委托书" in page
    assert "黑民发" not in page  # the content itself is not shown
    api = anonymous.get(f"/api/v1/documents/verify/{document.uuid}?h={document.verify_code}").json()
    assert api["genuine"] is True and api["status"] == "genuine" and api["number"] == document.number
    assert api["issued_on"] == "2026-11-20"


def test_a_wrong_content_hash_fails_verification():
    document = issue_letter()
    anonymous = Client()
    wrong = "f" * 16 if document.verify_code != "f" * 16 else "e" * 16
    page = anonymous.get(f"/verify/{document.uuid}/?h={wrong}").content.decode()
    assert "核验码与存档不符" in page and "真实有效" not in page
    assert anonymous.get(f"/api/v1/documents/verify/{document.uuid}?h={wrong}").json()["genuine"] is False
    unknown = anonymous.get(f"/verify/00000000-0000-4000-8000-000000000001/?h={wrong}")
    assert unknown.status_code == 404 and "未查询到该文书" in unknown.content.decode()
    assert anonymous.get("/verify/not-a-uuid/").status_code == 404


def test_a_changed_archive_row_fails_verification():
    document = issue_letter()
    content = dict(document.content)
    content["number"] = "尖政委〔2021〕99号"
    IssuedDocument.objects.filter(pk=document.pk).update(content=content, number="尖政委〔2021〕99号")
    page = client_for("js_bureau").get(f"/verify/{document.uuid}/?h={document.verify_code}").content.decode()
    assert "存档记录校验失败" in page and "真实有效" not in page


def test_a_revoked_document_is_reported_as_revoked():
    document = issue_letter()
    services.document_revoke(by=user("js_bureau"), document=document, reason="委托书内容有误")
    page = client_for("js_bureau").get(f"/verify/{document.uuid}/?h={document.verify_code}").content.decode()
    assert "该文书已作废" in page and "真实有效" not in page
    with pytest.raises(ValidationFailed, match="已于"):
        services.document_revoke(by=user("js_bureau"), document=document, reason="再次")


def test_uploading_the_pdf_compares_it_with_the_archive():
    document = issue_letter()
    original = pdf_bytes_of(document)
    anonymous = Client()
    url = f"/verify/{document.uuid}/"
    same = anonymous.post(url, {"h": document.verify_code, "file": upload("委托书.pdf", original)})
    assert "上传的文件与存档一致" in same.content.decode()
    middle = len(original) // 2
    tampered = original[:middle] + bytes([original[middle] ^ 1]) + original[middle + 1 :]
    assert tampered != original
    changed = anonymous.post(url, {"h": document.verify_code, "file": upload("委托书.pdf", tampered)})
    assert "与存档不一致" in changed.content.decode()
    api = anonymous.post(f"/api/v1/documents/verify/{document.uuid}/pdf", {"file": upload("x.pdf", tampered)})
    assert api.status_code == 200 and api.json() == {"matches": False, "verdict": "与存档不一致"}
    api = anonymous.post(f"/api/v1/documents/verify/{document.uuid}/pdf", {"file": upload("x.pdf", original)})
    assert api.json()["matches"] is True


def test_pdf_download_is_logged_and_scoped():
    document = issue_letter()
    c = client_for("ab_caseworker")  # the township sees its own letter
    response = c.get(f"/documents/{document.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_bytes_of(document)
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "document.view" and event.actor_name == "王春燕"
    assert client_for("emr_caseworker").get(f"/documents/{document.pk}/pdf/").status_code == 404


def test_the_signed_scan_is_attached_to_the_document(media_root):
    from tests.documents.conftest import pdf_bytes

    document = issue_letter()
    c = client_for("js_bureau")
    response = c.post(
        f"/documents/{document.pk}/",
        {
            "action": "upload",
            "a-kind": "scan",
            "a-note": "已盖章",
            "a-file": upload("盖章件.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 302
    page = c.get(f"/documents/{document.pk}/").content.decode()
    assert "盖章件.pdf" in page
    from tests.documents.conftest import zip_bytes

    refused = c.post(
        f"/documents/{document.pk}/",
        {"action": "upload", "a-kind": "scan", "a-file": upload("盖章件2.pdf", zip_bytes())},
    )
    assert refused.status_code == 200 and "文件类型不符" in refused.content.decode()


def test_the_nightly_clean_up_voids_abandoned_numbers_and_deletes_files_no_row_refers_to(media_root):
    """A process killed between storing a PDF and recording it leaves personal data in storage and a
    reserved number: the clean-up (deploy/jiuzhu-cleanup.timer) removes the one and voids the other."""
    import io
    import os
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.db import transaction

    from jiuzhu.core import clock
    from jiuzhu.documents import register

    kept = _approval_notice()
    orphan = default_storage.save("documents/230502/2026/orphan.pdf", ContentFile(b"%PDF-1.4 personal data"))
    with transaction.atomic():
        entry = register.reserve(
            by=user("emr_caseworker"),
            org=kept.handling_org,
            year=2026,
            kind="approval_notice",
            title="审批通知书",
            area_code=ERMALU,
        )
    out = io.StringIO()
    call_command("cleanup", stdout=out)
    assert default_storage.exists(orphan)  # may still be in the middle of being issued
    assert "unreferenced stored files deleted: 0" in out.getvalue()

    clock.advance(register.ABANDONED_AFTER + timedelta(minutes=5))
    # The grace period is measured against the file's modification time, which the frozen clock does not set.
    old = (clock.now() - timedelta(hours=2)).timestamp()
    os.utime(default_storage.path(orphan), (old, old))
    os.utime(default_storage.path(kept.pdf.name), (old, old))
    out = io.StringIO()
    call_command("cleanup", stdout=out)
    assert "abandoned 文号 reservations voided: 1" in out.getvalue()
    assert "unreferenced stored files deleted: 1" in out.getvalue()
    assert not default_storage.exists(orphan) and default_storage.exists(kept.pdf.name)
    entry.refresh_from_db()
    assert entry.status == NumberStatus.VOID


def test_the_register_page_lists_issued_and_void_numbers_within_scope(monkeypatch):
    def broken(html):
        raise rendering.TemplateFailed("文书模板有误，无法生成：缺少字体")

    issued = _approval_notice()
    monkeypatch.setattr(rendering, "render_pdf", broken)
    with pytest.raises(rendering.TemplateFailed):
        _approval_notice()
    monkeypatch.undo()
    page = client_for("emr_caseworker").get("/documents/numbers/").content.decode()
    assert issued.number in page and f"/documents/{issued.pk}/" in page
    assert "尖民救二〔2026〕2号" in page and "空号" in page and "缺少字体" in page
    void_only = client_for("emr_caseworker").get("/documents/numbers/?status=void").content.decode()
    assert "尖民救二〔2026〕2号" in void_only and issued.number not in void_only
    assert "尖民救二〔2026〕" not in client_for("ab_caseworker").get("/documents/numbers/").content.decode()
    export = client_for("emr_caseworker").get("/documents/numbers/?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
