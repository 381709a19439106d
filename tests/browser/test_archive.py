"""Issue 7 items 3 and 4 in a browser: a citizen opens the village notice board on a phone (P2, S12: masked,
no login); staff open the household file (AR1) with its checklist, print the board and open its PDF."""

import io

from pypdf import PdfReader

from tests.browser.conftest import login, shot

VILLAGE = "230502200201"


def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def test_P2_S12_village_board_on_a_phone_and_its_printed_pdf(page, live_server, settings, tmp_path):
    from tests.archive.helpers import approved_case

    _media(settings, tmp_path)
    settings.PUBLIC_BASE_URL = live_server.url
    on_notice = approved_case(notice_start="2026-11-14", finalize=False)
    approved_case()  # 1 040 a month by the calculator (B1)
    head = on_notice.household.head_name

    # A villager scans the code on the notice board: no login, a phone screen.
    phone = page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    public = phone.new_page()
    public.goto(f"{page.base_url}/board/{VILLAGE}/")
    assert public.inner_text('[data-testid="board-title"]') == "安邦村社会救助公示栏"
    notices = public.inner_text('[data-testid="notices"]')
    assert "王**户" in notices and "1,040.00" in notices
    assert "1,040.00" in public.inner_text('[data-testid="recipients"]')
    assert "监督举报电话" in public.inner_text('[data-testid="hotline"]')
    body = public.inner_text("body")
    assert head not in body and "刘秀兰" not in body
    assert public.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    shot(public, "archive-board-phone")
    phone.close()

    # Staff: the household file from the household page, then print the board.
    login(page, "ab_caseworker")
    page.goto(f"{page.base_url}/registry/households/{on_notice.household.pk}/")
    page.click('[data-testid="household-file"]')
    page.wait_for_load_state("networkidle")
    assert "一户一档" in page.inner_text("h1")
    checklist = page.inner_text('[data-testid="checklist"]')
    assert "入户调查记录" in checklist and "公示记录" in checklist
    assert page.locator('[data-testid="entries"] tbody tr').count() > 5
    shot(page, "archive-household-file")

    page.goto(f"{page.base_url}/archive/boards/")
    page.click(f'[data-testid="print-board-{VILLAGE}"]')
    page.wait_for_load_state("networkidle")
    assert "已生成安邦村社会救助公示栏" in page.inner_text("main")
    pdf_url = page.get_attribute('[data-testid="open-pdf"]', "href")
    response = page.request.get(page.base_url + pdf_url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "安邦村社会救助公示栏" in text and "王**户" in text and head not in text
    assert page.js_errors == []
