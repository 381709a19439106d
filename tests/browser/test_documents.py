"""Issue 7 acceptance: a bureau officer issues the delegation letter (D5) from the grant page, opens the
PDF, and the public verification page says the document is genuine."""

import re

from tests.browser.conftest import login, shot


def test_bureau_issues_delegation_letter_and_verifies_it(page, live_server, settings, tmp_path):
    from jiuzhu.orgs.models import DelegationGrant

    settings.PUBLIC_BASE_URL = live_server.url  # the QR code points at this server
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    grant = DelegationGrant.objects.get(township__name="安邦乡", category="dibao")
    login(page, "js_bureau")
    page.goto(f"{page.base_url}/orgs/delegation/{grant.pk}/")
    assert "尚未出具" in page.locator('[data-testid="grant-documents"]').inner_text()
    page.click('[data-testid="issue-letter"]')
    page.wait_for_load_state("networkidle")
    assert "出具委托书：安邦乡" in page.inner_text("h1")
    assert "黑龙江省" in page.input_value("#id_legal_basis")
    shot(page, "documents-letter-form")
    page.click('[data-testid="issue-submit"]')
    page.wait_for_load_state("networkidle")
    assert "已出具委托书" in page.inner_text("main")
    assert page.inner_text('[data-testid="document-number"]') == grant.letter_no
    shot(page, "documents-letter-detail")

    pdf_url = page.get_attribute('[data-testid="open-pdf"]', "href")
    response = page.request.get(page.base_url + pdf_url)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    verify_url = page.get_attribute('[data-testid="verify-link"]', "href")
    assert re.match(rf"{re.escape(live_server.url)}/verify/[0-9a-f-]{{36}}/\?h=[0-9a-f]{{16}}$", verify_url)
    page.goto(f"{page.base_url}/orgs/delegation/{grant.pk}/")
    assert grant.letter_no in page.locator('[data-testid="grant-documents"]').inner_text()

    # The public page needs no login: a fresh browser context, like a citizen scanning the QR code.
    citizen = page.context.browser.new_context(locale="zh-CN")
    public = citizen.new_page()
    public.goto(verify_url)
    assert "真实有效" in public.inner_text('[data-testid="verdict"]')
    assert public.inner_text('[data-testid="verify-number"]') == grant.letter_no
    assert "尖山区人民政府" in public.inner_text("main")
    shot(public, "documents-verify-genuine")
    citizen.close()
    assert page.js_errors == []


def test_bureau_previews_an_edited_template(page):
    login(page, "js_bureau")
    page.goto(f"{page.base_url}/documents/templates/")
    page.get_by_role("link", name="编辑").first.click()
    page.wait_for_load_state("networkidle")
    page.click('[data-testid="template-preview"]')
    frame = page.frame_locator('[data-testid="preview-frame"]')
    assert "样稿" in frame.locator("body").inner_text()
    shot(page, "documents-template-preview")
    assert page.js_errors == []
