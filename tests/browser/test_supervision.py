"""Issue 6 acceptance in Chromium: an inspector draws the month's sample, records a finding, issues a
prompt letter; the township's user sees it in the supervision queue and answers it (S1, S3, S7)."""

from tests.browser.conftest import login, shot
from tests.browser.test_workflow import _as
from tests.helpers import to_investigated
from tests.supervision.conftest import approve


def test_S1_S3_S7_sample_finding_prompt_letter_answered_by_the_township(page, browser):
    case = approve(to_investigated())
    login(page, "js_inspector")
    assert page.locator("[data-testid=panel-supervision]").count() == 1
    page.goto(page.base_url + "/supervision/samples/")
    page.select_option("[data-testid=draw-form] [name=kind]", "monthly")
    page.click("[data-testid=draw]")
    page.wait_for_load_state("networkidle")
    assert "随机种子" in page.inner_text(".alert-success")
    seed = page.inner_text("[data-testid=seed]")
    assert len(seed) == 16
    assert case.number in page.inner_text("[data-testid=items]")
    page.click("[data-testid=verify]")
    assert "完全一致" in page.inner_text("[data-testid=verify-result]")
    shot(page, "supervision-1-sample")

    page.locator("[data-testid^=start-]").first.click()
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=inspection-status]") == "检查中"
    form = page.locator("[data-testid=form-finding]")
    form.locator("[name=description]").fill("公示照片未归档，无法核实公示期")
    form.locator("[name=severity]").select_option("major")
    form.locator("[data-testid=do-finding]").click()
    page.wait_for_load_state("networkidle")
    assert "公示照片未归档" in page.inner_text("[data-testid=findings]")
    shot(page, "supervision-2-finding")

    page.locator("[data-testid^=escalate-finding-]").first.click()
    page.wait_for_load_state("networkidle")
    form = page.locator("[data-testid=matter-form]")
    assert form.locator("[name=level]").input_value() == "prompt"
    form.locator("[name=measures]").fill("补齐公示照片，完善一户一档")
    form.locator("[name=responsible]").fill("刘宏伟")
    page.click("[data-testid=open-matter]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=matter-level]") == "提示函"
    page.click("[data-testid=issue-letter-1]")
    page.wait_for_load_state("networkidle")
    link = page.locator("[data-testid=letter-pdf-1]")
    assert "督办提示函" in link.inner_text()
    pdf = page.request.get(page.base_url + link.get_attribute("href"))
    assert pdf.ok and pdf.body()[:4] == b"%PDF"
    shot(page, "supervision-3-prompt-letter")

    township = _as(browser, page.base_url, "ab_caseworker")
    assert township.inner_text("[data-testid=matter-count]") == "1"
    township.goto(page.base_url + "/supervision/queue/")
    queue = township.inner_text("[data-testid=queue-matters]")
    assert "提示函" in queue and "刘宏伟" in queue
    township.click("[data-testid=queue-matters] a")
    township.wait_for_load_state("networkidle")
    form = township.locator("[data-testid=form-answer]")
    form.locator("[name=answer]").fill("已补齐公示照片并归档")
    form.locator("[data-testid=do-answer]").click()
    township.wait_for_load_state("networkidle")
    assert township.inner_text("[data-testid=matter-status]") == "已回复，待审核"
    assert "已补齐公示照片" in township.inner_text("[data-testid=answer-1]")
    shot(township, "supervision-4-answered")
    township.context.close()

    page.reload()
    assert "已补齐公示照片" in page.inner_text("[data-testid=answer-1]")
    assert page.js_errors == []


def test_S5_dashboard_draws_its_charts(page):
    approve(to_investigated())
    login(page, "js_inspector")
    page.goto(page.base_url + "/supervision/")
    page.wait_for_selector("[data-testid=kpi-processing] canvas")
    assert page.locator(".jz-chart canvas").count() >= 3
    shot(page, "supervision-5-dashboard")
    assert page.js_errors == []
