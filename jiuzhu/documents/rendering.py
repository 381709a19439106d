"""Official documents: Django templates rendered from strings, then HTML → PDF with WeasyPrint.

Templates run in a separate template engine that only sees the shipped official templates (for
`{% extends %}`), so a template edited by a bureau cannot include the application's own pages. WeasyPrint
fetches nothing but `data:` URLs: an edited template cannot make the server read files or call
addresses.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
from typing import Any

import qrcode
import weasyprint
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError, VariableDoesNotExist
from django.template.defaulttags import DebugNode
from django.urls import NoReverseMatch
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from jiuzhu.core.errors import ValidationFailed
from jiuzhu.documents.kinds import OFFICIAL_DIR

ENGINE = Engine(
    dirs=[str(OFFICIAL_DIR.parent.parent)],
    app_dirs=False,
    autoescape=True,
    libraries={"official": "jiuzhu.documents.templatetags.official"},
    builtins=["jiuzhu.documents.templatetags.official"],
)

# Failures a template can cause while rendering (filters given the wrong type, bad tags …).
TEMPLATE_ERRORS = (
    TemplateSyntaxError,
    TemplateDoesNotExist,
    VariableDoesNotExist,
    ValueError,
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    NoReverseMatch,
)

# Rendered documents must keep the verification block of the base layout (QR code and code).
VERIFY_MARKER = 'data-jz-verify="1"'


class TemplateFailed(ValidationFailed):
    code = "template_error"
    default_message = "文书模板有误"


def _refuse_debug(template) -> None:
    """`{% debug %}` would print the whole context (personal data of the sample or the case) and, in DEBUG,
    the server's modules: an edited template may not use it, whatever DEBUG says (PI1)."""
    if template.nodelist.get_nodes_by_type(DebugNode):
        raise TemplateSyntaxError("文书模板不允许使用 {% debug %} 标签")


def render_html(source: str, context: dict[str, Any]) -> str:
    try:
        template = ENGINE.from_string(source)
        _refuse_debug(template)
        return template.render(Context(context, autoescape=True))
    except TEMPLATE_ERRORS as exc:
        raise TemplateFailed(
            f"文书模板有误，无法生成：{exc}", field_errors={"html": f"模板错误：{exc}"}
        ) from None


_local = threading.local()


def _font_config() -> FontConfiguration:
    """One font configuration per thread, kept between documents: building it anew costs a tenth of a
    render. Templates have no @font-face rules (data: URLs only), so nothing of one document stays in it."""
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


# The training copy prints "培训" across every page of every document, so that no practice paper can pass for a
# real one. A fixed element repeats on each page in WeasyPrint.
TRAINING_MARK = (
    '<div aria-hidden="true" style="position: fixed; top: 38%; left: 0; right: 0; text-align: center; '
    "font-size: 150pt; font-weight: bold; letter-spacing: 30pt; color: rgba(200, 0, 0, 0.18); "
    'transform: rotate(-35deg); z-index: 1000;">培训</div>'
)


def _mark_training(html: str) -> str:
    if not getattr(settings, "JIUZHU_TRAINING", False):
        return html
    end = html.lower().rfind("</body>")
    return html + TRAINING_MARK if end < 0 else html[:end] + TRAINING_MARK + html[end:]


def render_pdf(html: str) -> bytes:
    """HTML → PDF bytes (A4 layout, fonts and page numbers come from the document's own CSS)."""
    html = _mark_training(html)
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(font_config=_font_config())


def qr_data_uri(text: str) -> str:
    """A QR code as an embedded PNG, so the PDF needs no file or network access."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=1)
    qr.add_data(text)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def canonical(value: Any) -> Any:
    """JSON-safe and stable (dates as ISO strings, decimals as strings): what is hashed is what is stored."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True))


def content_hash(content: dict[str, Any]) -> str:
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def verify_url(doc_uuid: str, content_sha256: str) -> str:
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return f"{base}/verify/{doc_uuid}/?h={content_sha256[:16]}"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
