"""The offline course pack renders real text in Latin, Chinese and Arabic, with packaged assets only."""

from __future__ import annotations

import re
import shutil
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from courses.pack import pack_html, render_course_pack
from lms import pdf
from tests.courses.samples import (
    AR_SENTENCE,
    COURSE_TITLES,
    LABELS,
    LESSON_HTML,
    LESSON_TITLES,
    ZH_SENTENCE,
    sample_context,
)
from tests.helpers import embedded_fonts, poppler

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfinfo")),
    reason="poppler-utils (pdftotext, pdffonts, pdfinfo) is not installed",
)


@pytest.fixture(scope="module")
def packs() -> dict[str, bytes]:
    """One rendered pack per language, shared by the tests of this module (renders are slow)."""
    return {language: render_course_pack(sample_context(language)) for language in LESSON_HTML}


@pytest.mark.parametrize("language", ["en", "zh", "ar"])
def test_pack_is_a_pdf_with_the_lesson_titles(
    packs: dict[str, bytes], language: str, tmp_path: Path
) -> None:
    assert packs[language].startswith(b"%PDF-")
    text = poppler("pdftotext", packs[language], tmp_path)
    for title in LESSON_TITLES[language]:
        assert title in text


def test_chinese_pack_has_chinese_text_in_an_embedded_cjk_font(
    packs: dict[str, bytes], tmp_path: Path
) -> None:
    assert ZH_SENTENCE in poppler("pdftotext", packs["zh"], tmp_path)
    fonts = embedded_fonts(packs["zh"], tmp_path)
    # Simplified Chinese (SC), not the Japanese face fontconfig might otherwise pick.
    assert fonts.get("Noto-Sans-CJK-SC") == "yes", fonts


def test_arabic_pack_has_arabic_text_in_an_embedded_arabic_font(
    packs: dict[str, bytes], tmp_path: Path
) -> None:
    # pdftotext writes RTL text in logical order, so the sentence comes out as written.
    text = poppler("pdftotext", packs["ar"], tmp_path)
    assert " ".join(AR_SENTENCE.split()[:3]) in " ".join(text.split())
    fonts = embedded_fonts(packs["ar"], tmp_path)
    assert fonts.get("Noto-Naskh-Arabic") == "yes", fonts


def test_every_font_is_embedded(packs: dict[str, bytes], tmp_path: Path) -> None:
    for language, pdf_bytes in packs.items():
        fonts = embedded_fonts(pdf_bytes, tmp_path)
        assert fonts and set(fonts.values()) == {"yes"}, (language, fonts)


def test_pack_metadata_title_is_the_course_title(packs: dict[str, bytes], tmp_path: Path) -> None:
    info = poppler("pdfinfo", packs["zh"], tmp_path)
    assert re.search(rf"^Title:\s+{COURSE_TITLES['zh']}$", info, re.MULTILINE), info
    assert re.search(r"^Author:\s+Test Training Centre$", info, re.MULTILINE), info


def test_fallback_notice_appears_only_on_fallback_lessons() -> None:
    html = pack_html(sample_context("zh"))
    assert html.count(LABELS["zh"]["fallback_notice"]) == 1
    assert LABELS["en"]["fallback_notice"] not in pack_html(sample_context("en"))


def test_lesson_label_places_the_number_where_the_translation_says() -> None:
    assert '<p class="lesson-label">第2课</p>' in pack_html(sample_context("zh"))
    assert '<p class="lesson-label">Lesson 2</p>' in pack_html(sample_context("en"))


def test_html_sets_language_and_direction() -> None:
    assert '<html lang="ar" dir="rtl">' in pack_html(sample_context("ar"))
    assert '<html lang="zh" dir="ltr">' in pack_html(sample_context("zh"))


def test_fallback_lesson_body_keeps_its_own_language_and_direction() -> None:
    html = pack_html(sample_context("ar"))
    assert '<div class="lesson-body" lang="en" dir="ltr">' in html
    assert html.count('<div class="lesson-body">') == 1


def test_course_title_is_escaped_but_lesson_html_is_not() -> None:
    context = sample_context("en")
    context["title"] = "<script>x</script>"
    html = pack_html(context)
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<ul><li>Know the mandate.</li>" in html


def test_unknown_direction_is_refused() -> None:
    context = sample_context("en")
    context["direction"] = 'rtl" onload="x'
    with pytest.raises(ValueError, match="direction"):
        pack_html(context)


def test_table_of_contents_has_page_numbers(packs: dict[str, bytes], tmp_path: Path) -> None:
    text = poppler("pdftotext", packs["en"], tmp_path, "-f", "2", "-l", "2")
    # Cover is page 1, contents page 2, so the two lessons start on pages 3 and 4.
    assert re.search(r"The mandate[ .]*3", text), text
    assert re.search(r"Protection of civilians[ .]*4", text), text


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/x.png",
        "https://example.org/x.png",
        "file:///etc/passwd",
        f"{pdf.STATIC_URL}../pyproject.toml",
        f"{pdf.STATIC_URL}css/..%2F..%2Fpyproject.toml",
        "ftp://example.org/x.png",
    ],
)
def test_safe_url_fetcher_refuses_anything_but_packaged_assets(url: str) -> None:
    with pytest.raises(ValueError, match="refuses"):
        pdf.safe_url_fetcher(url)


def test_safe_url_fetcher_serves_packaged_assets() -> None:
    response = pdf.safe_url_fetcher(f"{pdf.STATIC_URL}css/pdf-fonts.css")
    try:
        assert b"Noto Sans CJK SC" in response.read()
    finally:
        response.close()


def test_remote_image_in_a_lesson_is_not_fetched(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    attempts: list[tuple[Any, ...]] = []

    def no_network(*args: Any, **kwargs: Any) -> None:
        attempts.append(args)
        raise OSError("the PDF renderer tried to use the network")

    # Any network attempt by urllib would go through one of these. WeasyPrint swallows fetch
    # errors, so the attempts are recorded rather than only raised.
    monkeypatch.setattr(urllib.request.HTTPHandler, "http_open", no_network)
    monkeypatch.setattr(urllib.request.HTTPSHandler, "https_open", no_network)
    monkeypatch.setattr("socket.create_connection", no_network)
    extra = '<p><img src="http://example.org/x.png" alt="map"></p>'

    pdf_bytes = render_course_pack(sample_context("en", extra_html=extra))

    assert pdf_bytes.startswith(b"%PDF-")
    assert attempts == []
    assert "refuses non-asset URL: http://example.org/x.png" in caplog.text
