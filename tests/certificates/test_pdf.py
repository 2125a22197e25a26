"""Certificate PDFs: every roster name as real text in an embedded font, a QR code that scans, one page."""

from __future__ import annotations

import copy
import re
import shutil
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from weasyprint.urls import path2url

from certificates.pdf import certificate_html, name_size_class, render_certificate
from lms import pdf
from tests.certificates.samples import (
    LABELS,
    SCRIPT_FONTS,
    SIX_LONG_STANDARDS,
    decode_qr,
    page_count,
    plain,
    read_roster,
    roster_context,
    sample_context,
    scripts_of,
)
from tests.helpers import embedded_fonts, poppler

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfinfo")),
    reason="poppler-utils (pdftotext, pdffonts, pdfinfo) is not installed",
)


@pytest.fixture(scope="module")
def roster_pdfs() -> list[tuple[dict[str, str], bytes]]:
    """Every roster row with its rendered certificate (renders are shared by the tests)."""
    rows = read_roster()
    return [(row, render_certificate(roster_context(row, n))) for n, row in enumerate(rows)]


def test_every_roster_name_comes_out_as_text(
    roster_pdfs: list[tuple[dict[str, str], bytes]], tmp_path: Path
) -> None:
    missing = []
    for row, pdf_bytes in roster_pdfs:
        assert pdf_bytes.startswith(b"%PDF-")
        if plain(row["full_name"]) not in plain(poppler("pdftotext", pdf_bytes, tmp_path)):
            missing.append(row["full_name"])
    assert missing == []


def test_every_font_is_embedded_and_each_script_has_its_font(
    roster_pdfs: list[tuple[dict[str, str], bytes]], tmp_path: Path
) -> None:
    seen_scripts: set[str] = set()
    for row, pdf_bytes in roster_pdfs:
        fonts = embedded_fonts(pdf_bytes, tmp_path)
        assert fonts and set(fonts.values()) == {"yes"}, (row["full_name"], fonts)
        for script in scripts_of(row["full_name"]):
            seen_scripts.add(script)
            # Any weight: the name is bold ("Noto-Sans-Devanagari-Bold").
            assert any(font.startswith(SCRIPT_FONTS[script]) for font in fonts), (
                row["full_name"],
                fonts,
            )
    # The sample must exercise every script, or this test proves less than it says.
    assert seen_scripts == set(SCRIPT_FONTS)


def test_every_roster_certificate_is_one_page(
    roster_pdfs: list[tuple[dict[str, str], bytes]], tmp_path: Path
) -> None:
    pages = {row["full_name"]: page_count(pdf_bytes, tmp_path) for row, pdf_bytes in roster_pdfs}
    assert set(pages.values()) == {1}, pages


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftoppm", "zbarimg")),
    reason="pdftoppm (poppler-utils) and zbarimg (zbar-tools) are needed to read the QR code",
)
@pytest.mark.parametrize("language", ["en", "fr", "zh", "ar"])
def test_qr_code_scans_to_the_verify_url(language: str, tmp_path: Path) -> None:
    context = sample_context(language, seed=len(language) + 40)
    assert decode_qr(render_certificate(context), tmp_path) == context["verify_url"]


def test_metadata_has_title_author_subject_and_keywords(tmp_path: Path) -> None:
    context = sample_context("zh", holder_name="张伟", country="CHN")
    info = poppler("pdfinfo", render_certificate(context), tmp_path)
    serial = context["serial"]
    assert re.search(r"^Title:\s+结业证书 — 核心部署前培训$", info, re.MULTILINE), info
    assert re.search(r"^Author:\s+Test Peacekeeping Training Centre$", info, re.MULTILINE), info
    assert re.search(rf"^Subject:\s+张伟 · {serial}$", info, re.MULTILINE), info
    assert re.search(rf"^Keywords:\s+{serial}$", info, re.MULTILINE), info


LONG_LATIN_NAME = "Maximilian-Alexander Bartholomew Fitzgerald-Montgomery Smith"
# No "الله" here: its ligature glyph maps to "لله" in the PDF, but pdftotext reverses the characters
# of a multi-character glyph in right-to-left text and prints "هلل" (a poppler quirk).
LONG_ARABIC_NAME = "عبد الرحمن بن محمد بن عبد الكريم بن إبراهيم آل الشيخ الحسيني"


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("en", LONG_LATIN_NAME),
        ("fr", LONG_LATIN_NAME),
        ("zh", LONG_LATIN_NAME),
        ("ar", LONG_ARABIC_NAME),
    ],
)
def test_sixty_character_name_and_six_standards_fit_on_one_page(
    language: str, name: str, tmp_path: Path
) -> None:
    assert len(name) == 60
    context = sample_context(language, holder_name=name)
    context["standards"] = [{"code": code, "title": title} for code, title in SIX_LONG_STANDARDS]
    pdf_bytes = render_certificate(context)
    assert page_count(pdf_bytes, tmp_path) == 1
    assert name in plain(poppler("pdftotext", pdf_bytes, tmp_path))


def test_too_much_content_makes_a_second_page_rather_than_overlapping(tmp_path: Path) -> None:
    # The layout is built so that overflow shows up as a page count, which the tests above check.
    context = sample_context(holder_name=LONG_LATIN_NAME)
    context["standards"] = [
        {"code": code, "title": title} for code, title in SIX_LONG_STANDARDS * 4
    ]
    pdf_bytes = render_certificate(context)
    assert page_count(pdf_bytes, tmp_path) == 2
    # Nothing is dropped: the footer is still there, on the second page.
    assert context["serial"] in poppler("pdftotext", pdf_bytes, tmp_path)


def test_long_names_get_a_smaller_size() -> None:
    assert name_size_class("Sita Gurung") == "name-normal"
    assert name_size_class("张伟") == "name-normal"
    assert name_size_class("x" * 60) == "name-very-long"
    # Chinese characters are twice as wide as Latin ones.
    assert name_size_class("张" * 20) == "name-long"


def test_arabic_certificate_is_right_to_left_with_left_to_right_codes(tmp_path: Path) -> None:
    context = sample_context("ar", holder_name="فاطمة الزهراء بنعلي", country="MAR")
    html = certificate_html(context)
    assert '<html lang="ar" dir="rtl">' in html
    assert f'<span dir="ltr">{context["serial"]}</span>' in html
    assert f'<span dir="ltr">{context["verify_url"]}</span>' in html
    text = plain(poppler("pdftotext", render_certificate(context), tmp_path))
    assert "فاطمة الزهراء بنعلي" in text
    assert context["serial"] in text


def test_markup_in_a_value_is_text_and_nothing_is_fetched(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    attempts: list[tuple[Any, ...]] = []

    def no_network(*args: Any, **kwargs: Any) -> None:
        attempts.append(args)
        raise OSError("the PDF renderer tried to use the network")

    monkeypatch.setattr(urllib.request.HTTPHandler, "http_open", no_network)
    monkeypatch.setattr(urllib.request.HTTPSHandler, "https_open", no_network)
    monkeypatch.setattr("socket.create_connection", no_network)
    context = sample_context()
    context["centre"] = 'Centre <img src="http://example.org/x.png">'

    html = certificate_html(context)
    pdf_bytes = render_certificate(context)

    assert '<img src="http://example.org' not in html
    assert "&lt;img src=&#34;http://example.org/x.png&#34;&gt;" in html
    assert '<img src="http://example.org/x.png">' in plain(
        poppler("pdftotext", pdf_bytes, tmp_path)
    )
    assert attempts == []


def test_empty_rank_service_number_and_country_are_left_out(tmp_path: Path) -> None:
    context = sample_context()
    context.update(rank="", service_number="", country="", country_name="")
    html = certificate_html(context)
    assert 'class="holder-facts"' not in html
    text = plain(poppler("pdftotext", render_certificate(context), tmp_path))
    assert "Sita Gurung" in text
    assert LABELS["en"]["rank"] not in text


@pytest.mark.parametrize("key", ["holder_name", "verify_url", "labels", "standards", "direction"])
def test_missing_key_is_an_error_naming_it(key: str) -> None:
    context = sample_context()
    del context[key]
    with pytest.raises(KeyError, match=key):
        render_certificate(context)


def test_missing_label_is_an_error_naming_it() -> None:
    context = sample_context()
    context["labels"] = {k: v for k, v in LABELS["en"].items() if k != "verify"}
    with pytest.raises(KeyError, match="verify"):
        certificate_html(context)


def test_standard_without_code_is_an_error() -> None:
    context = sample_context()
    context["standards"] = [{"title": "Protection of civilians"}]
    with pytest.raises(KeyError, match=r"standards\[0\]"):
        certificate_html(context)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("direction", 'rtl" onload="x'),
        ("language", "de"),
        ("verify_url", "/verify/7K3M"),
        ("verify_url", "javascript:alert(1)"),
        ("holder_name", "  "),
        ("serial", None),
    ],
)
def test_bad_value_is_refused(key: str, value: Any) -> None:
    context = copy.deepcopy(sample_context())
    context[key] = value
    with pytest.raises(ValueError, match=key):
        certificate_html(context)


def word_boxes(
    pdf_bytes: bytes, tmp_path: Path, axis: str = "x"
) -> tuple[float, list[tuple[str, float, float]]]:
    """The page's width (axis "x") or height ("y"), and (word, min, max) of every word along that
    axis, from pdftotext -bbox."""
    html = poppler("pdftotext", pdf_bytes, tmp_path, "-bbox")
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    boxes = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html,
    )
    if axis == "x":
        return float(page.group(1)), [(w, float(x0), float(x1)) for x0, _, x1, _, w in boxes]
    return float(page.group(2)), [(w, float(y0), float(y1)) for _, y0, _, y1, w in boxes]


@pytest.mark.parametrize("count", [2, 6])
def test_arabic_standards_are_inside_the_frame(count: int, tmp_path: Path) -> None:
    # WeasyPrint applied "margin: auto" twice in right-to-left blocks: the standards of an Arabic
    # certificate were drawn beyond the right edge of the page.
    context = sample_context("ar", holder_name="فاطمة الزهراء بنعلي", country="MAR")
    context["standards"] = [
        {"code": code, "title": title} for code, title in SIX_LONG_STANDARDS[:count]
    ]
    width, words = word_boxes(render_certificate(context), tmp_path)
    codes = {code for code, _ in SIX_LONG_STANDARDS[:count]}
    assert codes <= {word for word, _, _ in words}
    frame = 8 * 72 / 25.4 + 4  # the page margin (8 mm) and the frame's padding, in points
    outside = [word for word, x_min, x_max in words if x_min < frame or x_max > width - frame]
    assert outside == []


@pytest.mark.skipif(
    not all(path.is_file() for path in pdf.CJK_CERTIFICATE_FONTS),
    reason="the CJK fonts are not built (make fonts)",
)
def test_chinese_uses_the_built_truetype_faces(tmp_path: Path) -> None:
    pdf_bytes = render_certificate(sample_context("zh", holder_name="张伟", country="CHN"))
    listing = poppler("pdffonts", pdf_bytes, tmp_path)
    assert re.search(r"\+Noto-Sans-CJK-SC-Common\s+CID TrueType", listing), listing
    assert "Noto-Sans-CJK-SC-TT" not in listing  # everything was in the common set
    assert len(pdf_bytes) < 60_000  # the installed CFF face made 155 KB
    # 喆 is not in GB 2312: it comes from the full face (regular: the bold face has the common
    # characters and Hangul only), still as text.
    pdf_bytes = render_certificate(sample_context("zh", holder_name="王喆", country="CHN"))
    listing = poppler("pdffonts", pdf_bytes, tmp_path)
    assert re.search(r"\+Noto-Sans-CJK-SC-TT(-Bold)?\s+CID TrueType", listing), listing
    assert "王喆" in plain(poppler("pdftotext", pdf_bytes, tmp_path))


def test_fetcher_serves_built_fonts_but_nothing_else_outside_static(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="refuses"):
        pdf.safe_url_fetcher(path2url(pdf.BUILT_FONTS_DIR.parent / "other.ttf"))
    with pytest.raises(ValueError, match="refuses"):
        pdf.safe_url_fetcher(path2url(pdf.BUILT_FONTS_DIR / ".." / ".." / "pyproject.toml"))
    if pdf.CJK_CERTIFICATE_FONTS[0].is_file():
        response = pdf.safe_url_fetcher(path2url(pdf.CJK_CERTIFICATE_FONTS[0]))
        try:
            assert response.read(4) == b"\x00\x01\x00\x00"
        finally:
            response.close()


@pytest.mark.parametrize(
    ("language", "six"), [("en", True), ("ar", False), ("ar", True), ("zh", False)]
)
def test_own_user_agent_stylesheet_lays_out_like_weasyprints(
    language: str, six: bool, tmp_path: Path
) -> None:
    # certificate-ua.css replaces WeasyPrint's HTML5 stylesheet: every word must land where that
    # one puts it (a new element in the template may need a rule copied into certificate-ua.css).
    from certificates import pdf as certificate_pdf

    names = {
        "en": ("Sita Gurung", "NPL"),
        "ar": ("فاطمة الزهراء بنعلي", "MAR"),
        "zh": ("张伟", "CHN"),
    }
    context = sample_context(language, holder_name=names[language][0], country=names[language][1])
    if six:
        context["standards"] = [{"code": c, "title": t} for c, t in SIX_LONG_STANDARDS]
    html = certificate_html(context)
    stylesheets = [pdf.css(name) for name in certificate_pdf.STYLESHEETS]
    metadata = certificate_pdf.certificate_metadata(context)
    with_weasyprints = pdf.render_pdf(html, stylesheets, metadata)
    with_ours = render_certificate(context)
    assert word_boxes(with_ours, tmp_path) == word_boxes(with_weasyprints, tmp_path)


def test_render_pdf_uses_the_given_user_agent_stylesheet(tmp_path: Path) -> None:
    from weasyprint import CSS

    html = "<!doctype html><p>shown</p><aside>hidden</aside>"
    ua = CSS(string="p { display: block } aside { display: none }")
    text = poppler("pdftotext", pdf.render_pdf(html, [], {}, ua_stylesheet=ua), tmp_path)
    assert "shown" in text and "hidden" not in text
    assert "hidden" in poppler("pdftotext", pdf.render_pdf(html, [], {}), tmp_path)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_two_columns_of_standards_stay_above_the_footer(language: str, tmp_path: Path) -> None:
    # Floated columns: the page must still count their height (else the footer rises over them).
    context = sample_context(language)
    context["standards"] = [{"code": c, "title": t} for c, t in SIX_LONG_STANDARDS]
    _, words = word_boxes(render_certificate(context), tmp_path, axis="y")
    last_words = {title.split()[-1] for _, title in SIX_LONG_STANDARDS}  # each on a second line
    lowest_standard = max(y_max for word, _, y_max in words if word in last_words)
    dates_top = min(y_min for word, y_min, _ in words if word == context["serial"])
    assert lowest_standard < dates_top


@pytest.mark.parametrize("language", ["en", "fr", "ar", "zh"])
def test_a_name_in_any_script_is_bold_in_a_sans_face(language: str) -> None:
    """Korean and Chinese names as bold as Latin ones (a real bold face, not a regular one named
    bold), and Sinhala, Tamil, Thai and Khmer in the sans faces of the other scripts."""
    from tests.helpers import embedded_font_faces

    name = "김민준 张伟 සුනිල් பெரேரா สมชาย សុខា Kim"
    faces = embedded_font_faces(render_certificate(sample_context(language, holder_name=name)))
    families = {family: weight for family, weight, _ in faces}
    assert not [family for family in families if "Serif" in family], families
    for script in ("Sinhala", "Tamil", "Thai", "Khmer"):  # shaped: their cmaps keep few letters
        assert families.get(f"Noto Sans {script} Bold") == 700, (script, families)
    for letter in "김张":
        weights = {weight for _, weight, chars in faces if ord(letter) in chars}
        assert weights == {700}, (letter, faces)


def test_certificates_rendered_together_are_the_same_bytes_as_one_by_one(monkeypatch) -> None:
    """A cohort's certificates render as one document per language (a page each, written one
    page at a time): each PDF is exactly the file render_certificate makes for that context."""
    from certificates import pdf as certificate_pdf

    contexts = [
        sample_context(language, holder_name=name, seed=seed)
        for seed, (language, name) in enumerate(
            [
                ("en", "Sita Gurung"),
                ("ar", "فاطمة الزهراء"),
                ("en", "张伟 Zhang Wei"),
                ("zh", "王芳"),
                ("ar", "Amina Diallo"),
                ("fr", "Aminata Diop"),
                ("en", "Kim Min-jun"),
            ],
            start=1,
        )
    ]
    together = certificate_pdf.render_certificate_sheets(contexts)
    assert together == [render_certificate(context) for context in contexts]

    # A document whose pages do not match its certificates one to one is not split: one by one.
    real_render = certificate_pdf.pdf.render_document

    def one_page_short(*args, **kwargs):
        document = real_render(*args, **kwargs)
        document.pages = document.pages[:-1]
        return document

    english = [context for context in contexts if context["language"] == "en"]
    expected = [render_certificate(context) for context in english]
    monkeypatch.setattr(certificate_pdf, "render_certificate", lambda c: expected[english.index(c)])
    monkeypatch.setattr(certificate_pdf.pdf, "render_document", one_page_short)
    assert certificate_pdf.render_certificate_sheets(english) == expected
