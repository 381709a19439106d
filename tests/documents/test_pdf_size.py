"""Official documents stay small: the CJK fonts are embedded as subsets of the glyphs a document shows
(not the 63,000 glyph slots of a Noto CJK face), and the glyphs embedded are the font's own, found by the
same codes the page uses, so the text still reads and extracts as before (D-224)."""

import io
import re
import shutil
import subprocess

import pytest
from fontTools.cffLib import CFFFontSet
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from jiuzhu.cases import documents
from jiuzhu.cases.services import steps
from jiuzhu.documents import rendering
from tests.helpers import d, meeting, review, to_investigated, user

pytestmark = pytest.mark.django_db

# A one-page notice weighed 390 KB when each font carried all its glyph slots; now about 42 KB.
ONE_PAGE_LIMIT = 100_000
SUBSET_PREFIX = re.compile(r"^/[A-Z]{6}\+")


def _approved_case():
    case = to_investigated()
    review(case)
    steps.decide(by=user("ab_approver"), case=case, data=meeting())
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-12"))
    steps.finalize(by=user("ab_approver"), case=case)
    return case


def _pdf(document) -> bytes:
    with document.pdf.open("rb") as handle:
        return handle.read()


def _fonts(reader: PdfReader) -> dict[str, dict]:
    """Embedded CID fonts by name: the font dictionary's descendant (with its descriptor)."""
    fonts = {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            fonts[str(font["/BaseFont"])] = font["/DescendantFonts"][0].get_object()
    return fonts


def _embedded_cff(descendant) -> tuple[object, str]:
    descriptor = descendant["/FontDescriptor"].get_object()
    assert "/FontFile3" in descriptor, (
        "no CFF font embedded: are the Noto CJK fonts installed (scripts/ensure-fonts)?"
    )
    stream = descriptor["/FontFile3"].get_object()
    data = stream.get_data()
    if data[:4] == b"OTTO":  # an OpenType wrapper around the CFF table
        return TTFont(io.BytesIO(data))["CFF "].cff.topDictIndex[0], str(stream["/Subtype"])
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(data), None)
    return cff[cff.fontNames[0]], str(stream["/Subtype"])


def _outline(glyph_set, name: str) -> list:
    pen = DecomposingRecordingPen(glyph_set)
    glyph_set[name].draw(pen)
    return pen.value


def _system_font(descendant, base_font: str) -> TTFont:
    """The installed face WeasyPrint laid the text out with (family from the descriptor, style from the name)."""
    family = str(descendant["/FontDescriptor"].get_object()["/FontFamily"])
    style = base_font.split("+", 1)[1].removeprefix(family.replace(" ", "-")).strip("-") or "Regular"
    path, index = subprocess.run(
        ["fc-match", "-f", "%{file}\n%{index}", f"{family}:style={style}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    return TTFont(path, fontNumber=int(index), lazy=True)


@pytest.mark.parametrize("kind", ["approval_notice", "public_notice"])
def test_a_one_page_document_is_small_and_embeds_font_subsets(kind):
    case = _approved_case()
    document = documents.issue(by=user("ab_caseworker"), case=case, kind=kind)
    data = _pdf(document)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert len(data) < ONE_PAGE_LIMIT, f"{kind}: {len(data)} bytes"

    fonts = _fonts(reader)
    assert fonts
    for name, descendant in fonts.items():
        assert SUBSET_PREFIX.match(name), name
        top, subtype = _embedded_cff(descendant)
        # Only the glyphs the page shows (plus .notdef), not a slot for each glyph of the face.
        assert len(top.charset) < 1000, f"{name}: {len(top.charset)} glyphs embedded"
        assert subtype == "/CIDFontType0C"

    text = reader.pages[0].extract_text()
    assert "安邦乡人民政府" in text and "1,040.00" in text


@pytest.mark.skipif(shutil.which("fc-match") is None, reason="needs fontconfig's fc-match")
def test_the_embedded_glyphs_are_the_fonts_own_under_the_codes_the_page_uses():
    """The page draws each glyph by its id in the whole font; the compact font must answer that id (its
    CID) with the same outline as the installed font."""
    document = documents.issue(by=user("ab_caseworker"), case=_approved_case(), kind="approval_notice")
    reader = PdfReader(io.BytesIO(_pdf(document)))
    for name, descendant in _fonts(reader).items():
        top, _ = _embedded_cff(descendant)
        system = _system_font(descendant, name).getGlyphSet()
        widths = descendant["/W"]
        shown = {
            start + i for start, run in zip(widths[::2], widths[1::2], strict=True) for i in range(len(run))
        }
        assert len(shown) > 2
        for cid in sorted(shown - {0}):
            glyph = f"cid{cid:05d}"
            assert glyph in top.charset, f"{name}: {glyph} not embedded"
            assert _outline(top.CharStrings, glyph) == _outline(system, glyph), f"{name} {glyph}"


def test_if_weasyprint_changes_its_font_objects_the_document_is_still_rendered(monkeypatch, caplog):
    def changed(document, pdf):
        raise AttributeError("'Font' object has no attribute 'hb_face'")

    monkeypatch.setattr(rendering, "_compact_each_font", changed)
    data = rendering.render_pdf('<p style="font-family: Noto Serif CJK SC">社会救助审批通知书</p>')
    assert "社会救助审批通知书" in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "PDF fonts not compacted" in caplog.text


def test_a_character_the_font_lacks_still_shows_the_fonts_empty_box():
    """A rare character (生僻字) missing from the font is drawn as .notdef (WeasyPrint then writes its own
    encoding): the font is compacted all the same and its box stays embedded."""
    data = rendering.render_pdf('<p style="font-family: Noto Serif CJK SC">张\U000f0001三</p>')
    (descendant,) = _fonts(PdfReader(io.BytesIO(data))).values()
    top, subtype = _embedded_cff(descendant)
    assert subtype == "/CIDFontType0C"
    assert _outline(top.CharStrings, ".notdef")  # the box, not an empty glyph
