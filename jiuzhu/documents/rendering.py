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
import logging
import threading
from typing import Any

import pydyf
import qrcode
import weasyprint
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError, VariableDoesNotExist
from django.template.defaulttags import DebugNode
from django.urls import NoReverseMatch
from fontTools.ttLib import TTFont, TTLibError
from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
from weasyprint.text.fonts import FontConfiguration, get_hb_object_data
from weasyprint.urls import URLFetcher

from jiuzhu.core.errors import ValidationFailed
from jiuzhu.documents.kinds import OFFICIAL_DIR

LOGGER = logging.getLogger(__name__)

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


# Embedded CJK fonts: WeasyPrint subsets each font but keeps every glyph's slot (its glyph ids stay the
# ids the page content uses), so a Noto CJK face still carries 63,000 empty glyphs, their widths and
# their CFF index: 75–160 KB per face after compression, three faces in a typical document. A CID-keyed
# CFF font (Noto CJK) needs no such slots: its charset says which CID each glyph is, and a PDF viewer
# finds a glyph by CID through it. So after layout each such face is subset again without the empty
# slots, keeping the CIDs, and embedded as bare CFF (CIDFontType0C) instead of an OpenType wrapper.
_COMPACT_FLAGS = (
    harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
    | harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    | harfbuzz_subset.HB_SUBSET_FLAGS_NO_LAYOUT_CLOSURE
    if harfbuzz_subset
    else 0
)

_UNUSED_TABLES = (b"BASE", b"DSIG", b"GDEF", b"GPOS", b"GSUB", b"JSTF", b"VORG", b"vhea", b"vmtx")


def _subset_keeping_cids(font: Any, gids: set[int]) -> bytes | None:
    """The bare CFF table of `font` with only `gids`, each still found by its CID — or None when the
    font is no CID-keyed CFF font or the subset does not keep the CIDs (left as WeasyPrint embedded it)."""
    wanted = sorted(gids)
    subset_input = ffi.gc(
        harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy
    )
    glyph_set = harfbuzz_subset.hb_subset_input_glyph_set(subset_input)
    harfbuzz.hb_set_add_sorted_array(
        glyph_set, ffi.new(f"hb_codepoint_t[{len(wanted)}]", wanted), len(wanted)
    )
    harfbuzz_subset.hb_subset_input_set_flags(subset_input, _COMPACT_FLAGS)
    # Only the CFF table is embedded; layout tables would also pull in glyphs the page does not show.
    drop = harfbuzz_subset.hb_subset_input_set(subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG)
    tags = sorted(harfbuzz.hb_tag_from_string(tag, -1) for tag in _UNUSED_TABLES)
    harfbuzz.hb_set_add_sorted_array(drop, ffi.new(f"hb_codepoint_t[{len(tags)}]", tags), len(tags))
    face = harfbuzz_subset.hb_subset_or_fail(font.hb_face, subset_input)
    if face == ffi.NULL:
        return None
    face = ffi.gc(face, harfbuzz.hb_face_destroy)
    data = get_hb_object_data(face)
    if not data or data[:4] != b"OTTO":
        return None
    opentype = TTFont(io.BytesIO(data))
    top = opentype["CFF "].cff.topDictIndex[0]
    # The page content names glyphs by their ids in the whole font: that is their CID only in an
    # Identity-ordered CID font (Noto CJK, Source Han). HarfBuzz may keep a few more glyphs (variants
    # reached through the cmap): harmless.
    ordering = getattr(top, "ROS", (None, None, None))[1]
    if ordering != "Identity" or not set(wanted) <= {_cid(name) for name in top.charset}:
        return None
    return opentype.reader["CFF "]


def _cid(glyph_name: str) -> int:
    return 0 if glyph_name == ".notdef" else int(glyph_name.removeprefix("cid"))


def _compactable(font: Any) -> bool:
    return (
        font.type == "otf"
        and not (font.bitmap or font.used_in_forms or font.png or font.svg or font.colr)
        and "fvar" not in font.tables
    )


def _compact_fonts(document: Any, pdf: Any) -> None:
    """WeasyPrint `finisher`: runs after the fonts are embedded, before the PDF is written. It reads
    WeasyPrint's font objects, which are no public API: should an upgrade change them, the document is still
    issued, with the fonts as WeasyPrint embedded them (tests/documents/test_pdf_size.py then fails)."""
    if not harfbuzz_subset:
        return
    try:
        _compact_each_font(document, pdf)
    except (AttributeError, KeyError, TypeError, ValueError, TTLibError):
        LOGGER.warning("PDF fonts not compacted", exc_info=True)


def _compact_each_font(document: Any, pdf: Any) -> None:
    descriptors = {
        obj["FontName"]: obj
        for obj in pdf.objects
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/FontDescriptor" and "FontFile3" in obj
    }
    faces: dict[int, tuple[Any, set[int]]] = {}  # font file stream number → (font, glyphs used)
    for font in document.fonts.values():
        descriptor = descriptors.get(font.name)
        if descriptor is None or not _compactable(font):
            continue
        number = int(descriptor["FontFile3"].split()[0])
        used = {gid for gid in font.widths if gid < font.glyph_count}  # beyond: missing glyphs, shown as 0
        faces.setdefault(number, (font, {0}))[1].update(used)
    for number, (font, gids) in faces.items():
        stream = pdf.objects[number]
        cff = _subset_keeping_cids(font, gids)
        if cff is None or stream.extra.get("Subtype") != "/OpenType":
            LOGGER.warning("PDF font %s kept as WeasyPrint embedded it", font.family)
            continue
        stream.stream = [cff]
        stream.extra["Subtype"] = "/CIDFontType0C"


def render_pdf(html: str) -> bytes:
    """HTML → PDF bytes (A4 layout, fonts and page numbers come from the document's own CSS)."""
    html = _mark_training(html)
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(
        font_config=_font_config(), finisher=_compact_fonts
    )


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
