"""Templates the bureau edits: versions per county, preview, refusal of broken templates, restore of the
shipped default with history kept."""

from datetime import date

import pytest

from jiuzhu.core.errors import Forbidden, NotFound, ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.documents import kinds, services
from jiuzhu.documents.models import DocumentTemplate
from jiuzhu.documents.selectors import current_template
from jiuzhu.orgs.models import Jurisdiction
from tests.documents.test_issue import issue_letter, pdf_text, without_template
from tests.helpers import JIANSHAN, QIJIANG, client_for, user

pytestmark = pytest.mark.django_db

KIND = "delegation_letter"
EDIT = f"/documents/templates/{KIND}/"


def default_html() -> str:
    return kinds.get(KIND).default_html()


def edited_html() -> str:
    return default_html().replace("五、业务指导", "五、业务指导与培训")


def jianshan() -> Jurisdiction:
    return Jurisdiction.objects.get(code=JIANSHAN)


def test_edited_template_is_used_for_the_next_letter_of_that_county_only():
    row = services.template_save(
        by=user("js_bureau"), kind=KIND, county=jianshan(), html=edited_html(), note="加培训"
    )
    assert row.version == 1 and not row.is_default
    assert current_template(KIND, JIANSHAN).version == 1
    assert current_template(KIND, QIJIANG).version == 0  # other counties keep the shipped default
    document = issue_letter()
    assert "五、业务指导与培训" in pdf_text(document)
    assert document.template_version == 1
    event = AuditEvent.objects.filter(action="template.save").latest("id")
    assert event.after["version"] == 1 and event.reason == "加培训"


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            "{% extends 'documents/official/_base.html' %}{% block body %}{% if %}{% endblock %}",
            "文书模板有误",
        ),
        (
            "{% extends 'documents/official/_base.html' %}{% block body %}{{ x|nofilter }}{% endblock %}",
            "文书模板有误",
        ),
        (
            "{% extends 'documents/official/_base.html' %}{% block body %}{% url 'no-such-page' %}{% endblock %}",
            "文书模板有误",
        ),
        ("{% include 'base.html' %}", "文书模板有误"),  # the application's own pages are not reachable
        ("<html><body>没有二维码</body></html>", "必须保留核验二维码"),
        ("   ", "模板内容不能为空"),
    ],
)
def test_a_template_that_does_not_render_is_refused_and_not_saved(broken, message):
    with pytest.raises(ValidationFailed) as exc:
        services.template_save(by=user("js_bureau"), kind=KIND, county=jianshan(), html=broken)
    assert message in exc.value.message
    assert not DocumentTemplate.objects.exists()
    assert not AuditEvent.objects.filter(action="template.save").exists()


def test_template_edit_page_keeps_the_input_and_shows_the_chinese_error():
    c = client_for("js_bureau")
    broken = "{% extends 'documents/official/_base.html' %}{% block body %}{% if %}{% endblock %}"
    response = c.post(EDIT, {"html": broken, "note": "试"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "文书模板有误" in page and "{% if %}" in page
    assert not DocumentTemplate.objects.exists()
    response = c.post(EDIT, {"html": edited_html(), "note": "加培训"})
    assert response.status_code == 302
    assert DocumentTemplate.objects.get().html == edited_html()
    same = c.post(EDIT, {"html": edited_html(), "note": "再存"})
    assert "无需保存" in same.content.decode()


def test_preview_renders_html_and_pdf_with_the_sample_content():
    c = client_for("js_bureau")
    response = c.post(f"{EDIT}preview/", {"html": edited_html()}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert "preview-frame" in page and "五、业务指导与培训" in page and "样稿" in page
    pdf = c.post(f"{EDIT}preview/?format=pdf", {"html": edited_html()})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    error = c.post(f"{EDIT}preview/", {"html": "{% block %}"}, HTTP_HX_REQUEST="true")
    assert "preview-error" in error.content.decode() and "文书模板有误" in error.content.decode()
    assert not DocumentTemplate.objects.exists()  # previews save nothing


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("application_form", ["张小某", "230502********3456", "镇上超市务工", "人均 300.00 元"]),
        (
            "verification_authorisation",
            ["尖山区民政局", "李某某", "待签署：李某某", "张小某的信息由其监护人"],
        ),
        ("commitment_letter", ["安邦乡人民政府", "社会信用记录", "230502********2345"]),
    ],
)
def test_preview_of_the_application_papers_shows_their_sample(code, expected):
    page = (
        client_for("js_bureau")
        .post(
            f"/documents/templates/{code}/preview/",
            {"html": kinds.get(code).default_html()},
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    assert "preview-frame" in page and "preview-error" not in page and "样稿" in page
    for text in expected:
        assert text in page


def test_restore_default_adds_a_version_and_keeps_history():
    county = jianshan()
    with pytest.raises(ValidationFailed, match="已是系统默认模板"):
        services.template_restore_default(by=user("js_bureau"), kind=KIND, county=county)
    services.template_save(by=user("js_bureau"), kind=KIND, county=county, html=edited_html())
    c = client_for("js_bureau")
    response = c.post(f"{EDIT}restore/")
    assert response.status_code == 302
    versions = list(DocumentTemplate.objects.order_by("version"))
    assert [(v.version, v.is_default) for v in versions] == [(1, False), (2, True)]
    assert versions[1].html == default_html()
    assert current_template(KIND, JIANSHAN).html == default_html()
    history = c.get(f"{EDIT}history/").content.decode()
    assert "第 1 版" in history and "第 2 版" in history and "系统默认" in history
    old = c.get(f"{EDIT}history/?version=1").content.decode()
    assert "五、业务指导与培训" in old
    assert "五、业务指导与培训" in c.get(f"{EDIT}?from=1").content.decode()
    assert AuditEvent.objects.filter(action="template.restore_default").count() == 1


def test_editing_needs_the_template_permission_in_the_county(monkeypatch):
    pending = without_template(monkeypatch)
    with pytest.raises(Forbidden):
        services.template_save(by=user("js_inspector"), kind=KIND, county=jianshan(), html=edited_html())
    with pytest.raises(NotFound):
        services.template_save(by=user("qj_bureau"), kind=KIND, county=jianshan(), html=edited_html())
    with pytest.raises(ValidationFailed, match="暂不能编辑"):
        services.template_save(by=user("js_bureau"), kind=pending.code, county=jianshan(), html="x")
    assert client_for("js_bureau").get(f"/documents/templates/{pending.code}/").status_code == 404
    page = client_for("js_bureau").get("/documents/templates/").content.decode()
    assert "尚无模板的文书" in page  # listed as coming with its capability
    assert client_for("js_bureau").get("/documents/templates/commitment_letter/").status_code == 200


def test_shipped_defaults_render_for_every_editable_kind():
    from jiuzhu.documents import compose
    from jiuzhu.documents.rendering import render_pdf

    assert {k.code for k in kinds.editable()} >= {
        "delegation_letter",
        "approval_notice",
        "application_form",
        "verification_authorisation",
        "commitment_letter",
    }
    for kind in kinds.editable():
        html = compose.render_sample(kind, kind.default_html(), issued_on=date(2026, 11, 20))
        assert render_pdf(html).startswith(b"%PDF")
