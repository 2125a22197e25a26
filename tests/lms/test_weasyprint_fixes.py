"""The WeasyPrint fixes (lms/weasyprint_fixes.py): applied, faster, and the same PDFs as without."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from weasyprint import CSS, HTML
from weasyprint.layout import inline
from weasyprint.pdf import fonts

from lms import pdf
from lms.weasyprint_fixes import ArrayTypesOnce, OwnUserAgentHTML, unfixed_get_next_linebox
from tests.certificates.samples import SIX_LONG_STANDARDS
from tests.certificates.samples import sample_context as certificate_context
from tests.courses.samples import sample_context as pack_context

ARABIC_WORDS = (
    "يجب على كل فرد من أفراد حفظ السلام الإبلاغ عن أي ادعاء بالاستغلال أو الانتهاك الجنسي"
)

# Right-to-left text beside floats on both sides, of several heights, with mixed-direction runs
# and inline boxes: the case where a line may really have to move when it grows.
FLOATS_HTML = f"""<!doctype html>
<html lang="ar" dir="rtl"><head><style>
  @page {{ size: 120mm 160mm; margin: 10mm }}
  body {{ font-family: "Noto Naskh Arabic", "Noto Sans"; font-size: 11pt }}
  .right {{ float: right; width: 30mm; height: 14mm; background: #ddd }}
  .left {{ float: left; width: 22mm; height: 30mm; background: #bbb }}
  .big {{ font-size: 22pt }}
  code {{ padding-inline-end: 3mm }}
</style></head><body>
  <div class="right"></div><div class="left"></div>
  <p>{ARABIC_WORDS} <code>SEA-3</code> {ARABIC_WORDS} <span class="big">{ARABIC_WORDS}</span>
     (UN-2024/17) {ARABIC_WORDS}</p>
  <div class="right" style="height: 40mm"></div>
  <p style="text-align: justify">{ARABIC_WORDS} {ARABIC_WORDS} <b>{ARABIC_WORDS}</b></p>
  <p dir="ltr">Left-to-right paragraph inside the right-to-left page, {ARABIC_WORDS}.</p>
</body></html>"""


def render(html: str, stylesheets: Sequence[CSS] = ()) -> Any:
    """The laid-out WeasyPrint document of html, with the application's fonts and fetcher."""
    document = HTML(
        string=html, base_url=pdf.STATIC_URL, url_fetcher=pdf.StaticAssetFetcher()
    ).render(font_config=pdf.FONT_CONFIG, stylesheets=list(stylesheets))
    return document


def boxes(document: Any) -> list[tuple[Any, ...]]:
    """Every box of every page: kind, position, size and text, in tree order."""

    def walk(box: Any) -> Iterator[tuple[Any, ...]]:
        yield (
            type(box).__name__,
            box.position_x,
            box.position_y,
            box.width,
            box.height,
            getattr(box, "text", None),
        )
        for child in box.all_children():
            yield from walk(child)

    return [item for page in document.pages for item in walk(page._page_box)]


def layouts(
    monkeypatch: pytest.MonkeyPatch, html: str, stylesheets: Sequence[CSS] = ()
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The boxes of html laid out with the fix, then with WeasyPrint's own function."""
    fixed = boxes(render(html, stylesheets))
    with monkeypatch.context() as patch:
        patch.setattr(inline, "get_next_linebox", unfixed_get_next_linebox())
        unfixed = boxes(render(html, stylesheets))
    return fixed, unfixed


def test_the_fix_is_applied_to_the_locked_weasyprint() -> None:
    assert inline.get_next_linebox is not unfixed_get_next_linebox()


def test_each_right_to_left_line_is_laid_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    html = '<!doctype html><html dir="rtl"><p>مرحبا</p><p dir="ltr">Hello</p></html>'
    laid_out: list[str] = []
    split = inline.split_inline_box

    def counting(context: Any, box: Any, *args: Any) -> Any:
        if type(box).__name__ == "LineBox":
            laid_out.append(box.style["direction"])
        return split(context, box, *args)

    monkeypatch.setattr(inline, "split_inline_box", counting)
    render(html)
    assert sorted(laid_out) == ["ltr", "rtl"]
    laid_out.clear()
    monkeypatch.setattr(inline, "get_next_linebox", unfixed_get_next_linebox())
    render(html)
    assert sorted(laid_out) == ["ltr", "rtl", "rtl"]  # WeasyPrint's own: the Arabic line twice


def test_right_to_left_text_beside_floats_is_laid_out_as_weasyprint_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fixed, unfixed = layouts(monkeypatch, FLOATS_HTML)
    assert len(fixed) > 50
    assert fixed == unfixed


@pytest.mark.parametrize("six", [False, True])
def test_arabic_certificate_is_laid_out_as_weasyprint_does(
    six: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from certificates import pdf as certificate_pdf

    context = certificate_context("ar", holder_name="فاطمة الزهراء بنعلي", country="MAR")
    if six:
        context["standards"] = [{"code": c, "title": t} for c, t in SIX_LONG_STANDARDS]
    html = certificate_pdf.certificate_html(context)
    stylesheets = [pdf.css(name) for name in certificate_pdf.STYLESHEETS]
    fixed, unfixed = layouts(monkeypatch, html, stylesheets)
    assert fixed == unfixed


def test_arabic_course_pack_is_laid_out_as_weasyprint_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from courses import pack

    html = pack.pack_html(pack_context("ar"))
    stylesheets = [pdf.css(name) for name in pack.STYLESHEETS]
    fixed, unfixed = layouts(monkeypatch, html, stylesheets)
    assert len(fixed) > 100
    assert fixed == unfixed


def test_font_subsetting_parses_no_c_type_for_a_new_glyph_count() -> None:
    assert isinstance(fonts.ffi, ArrayTypesOnce)
    real = fonts.ffi.lms_ffi
    fonts.ffi.new("hb_codepoint_t[3]", [1, 2, 3])
    parsed = len(real._parsed_types)
    for length in (4_391, 4_392, 17):
        array = fonts.ffi.new(f"hb_codepoint_t[{length}]", list(range(length)))
        assert len(array) == length and array[length - 1] == length - 1
    assert len(real._parsed_types) == parsed
    assert list(fonts.ffi.new("hb_codepoint_t[4]")) == [0, 0, 0, 0]


def test_other_allocations_are_cffis_own() -> None:
    # A shorter initialiser pads with zeros, as cffi does for a fixed-size array.
    assert list(fonts.ffi.new("hb_codepoint_t[4]", [7, 8])) == [7, 8, 0, 0]
    assert fonts.ffi.new("unsigned int *", 5)[0] == 5
    assert fonts.ffi.string(fonts.ffi.new("char[]", b"ok")) == b"ok"


@pytest.mark.parametrize(
    ("language", "name"), [("ar", "فاطمة الزهراء بنعلي"), ("zh", "王芳"), ("en", "Sita Gurung")]
)
def test_certificates_are_the_same_bytes_without_the_allocation_fix(
    language: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from certificates.pdf import render_certificate

    context = certificate_context(language, holder_name=name)
    fixed = render_certificate(context)
    monkeypatch.setattr(fonts, "ffi", fonts.ffi.lms_ffi)
    assert render_certificate(context) == fixed


def test_font_subsetting_still_allocates_an_array_per_glyph_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Fails when WeasyPrint stops allocating "hb_codepoint_t[N]" through its font module's ffi:
    # the allocation fix would then do nothing and should be removed.
    from certificates.pdf import render_certificate

    watched = ArrayTypesOnce(fonts.ffi.lms_ffi)
    monkeypatch.setattr(fonts, "ffi", watched)
    render_certificate(certificate_context("en", holder_name="Sita Gurung"))
    assert "hb_codepoint_t" in watched._open_arrays, (
        "WeasyPrint no longer allocates glyph arrays as hb_codepoint_t[N] in weasyprint.pdf.fonts: "
        "review fix_array_type_parsing in lms/weasyprint_fixes.py"
    )


def test_weasyprint_still_asks_the_document_for_its_user_agent_stylesheets() -> None:
    asked: list[bool] = []

    class Watched(OwnUserAgentHTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
            asked.append(forms)
            return super()._ua_stylesheets(forms)

    ua = CSS(string="p { display: block }")
    Watched(ua, string="<p>x</p>", url_fetcher=pdf.StaticAssetFetcher()).render(
        font_config=pdf.FONT_CONFIG
    )
    assert asked, (
        "WeasyPrint no longer calls HTML._ua_stylesheets: OwnUserAgentHTML in "
        "lms/weasyprint_fixes.py has no effect"
    )
