"""A holder name too long for the certificate's line shrinks and wraps inside the frame, on one
page, in every script; names that fit are laid out exactly as before."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from weasyprint import CSS, HTML

from certificates import pdf as certificate_pdf
from certificates.pdf import certificate_html, name_size_class, render_certificate
from lms import pdf
from tests.certificates.samples import read_roster, roster_context, sample_context

MM_PX = 96 / 25.4  # WeasyPrint lays out in CSS pixels

# 200 characters, the longest name a roster or an administrator may give, without a space: the
# widest Latin letter, a long Arabic letter, a dense Chinese character, and name-like runs.
LONG_NAMES = [
    ("en", "NPL", "W" * 200),
    ("fr", "SEN", ("Ndèyefatoumatasène" * 12)[:200]),
    ("ar", "MAR", "ش" * 200),
    ("ar", "MAR", ("محمدعبدالرحمنالعلوي" * 11)[:200]),
    ("zh", "CHN", "龘" * 200),
    ("zh", "CHN", ("张伟李娜王芳刘洋陈静" * 20)[:200]),
]


def _layout(context: dict[str, Any], certificate_css: CSS | None = None) -> Any:
    stylesheets = [pdf.css(name) for name in certificate_pdf.STYLESHEETS]
    if certificate_css is not None:
        stylesheets[certificate_pdf.STYLESHEETS.index("certificate.css")] = certificate_css
    return HTML(
        string=certificate_html(context),
        base_url=pdf.STATIC_URL,
        url_fetcher=pdf.StaticAssetFetcher(),
    ).render(font_config=pdf.FONT_CONFIG, stylesheets=stylesheets)


def _descendants(box: Any):
    yield box
    for child in box.all_children():
        yield from _descendants(child)


def _with_class(page: Any, css_class: str) -> Any:
    return next(
        box
        for box in _descendants(page._page_box)
        if box.element is not None
        and css_class in (box.element.get("class") or "").split()
        and box.element_tag != "html"
    )


def _text_boxes(box: Any) -> list[Any]:
    return [b for b in _descendants(box) if type(b).__name__ == "TextBox"]


@pytest.mark.parametrize(("language", "country", "name"), LONG_NAMES)
def test_a_200_character_name_without_spaces_wraps_inside_the_frame(language, country, name):
    document = _layout(sample_context(language, holder_name=name, country=country))
    assert len(document.pages) == 1
    page = document.pages[0]
    frame = _with_class(page, "frame")
    # Within a millimetre of the frame's content box, itself 16 mm inside the frame: an Arabic
    # line broken inside a word is up to 2 px wider than measured (the letters at the break
    # change their joining forms once split).
    left, right = frame.content_box_x(), frame.content_box_x() + frame.width
    holder = _with_class(page, "holder-name")
    pieces = _text_boxes(holder)
    assert 2 <= len({round(b.position_y) for b in pieces}) <= 4  # wrapped, on a few lines
    outside = [
        (b.text[:10], b.position_x, b.position_x + b.width)
        for b in pieces
        if b.position_x < left - MM_PX or b.position_x + b.width > right + MM_PX
    ]
    assert outside == []
    assert "".join(b.text for b in pieces) == name  # nothing dropped
    # Nothing at all is drawn beyond the frame's outer edge.
    frame_left, frame_right = frame.border_box_x(), frame.border_box_x() + frame.border_width()
    assert all(
        frame_left <= b.position_x and b.position_x + b.width <= frame_right
        for b in _text_boxes(page._page_box)
    )


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils is not installed")
@pytest.mark.parametrize(("language", "country", "name"), LONG_NAMES[::2])
def test_no_ink_falls_outside_the_page_border(language, country, name, tmp_path: Path):
    from PIL import Image

    path = tmp_path / "certificate.pdf"
    path.write_bytes(
        render_certificate(sample_context(language, holder_name=name, country=country))
    )
    dpi = 50
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-gray",
            "-png",
            "-singlefile",
            str(path),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    image = Image.open(tmp_path / "page.png").convert("L")
    width, height = image.size
    strip = round(7 * dpi / 25.4)  # the page border is drawn 8 mm from the edge
    pixels = image.load()
    inked = [
        (x, y)
        for x in range(width)
        for y in range(height)
        if (x < strip or x >= width - strip or y < strip or y >= height - strip)
        and pixels[x, y] < 250
    ]
    assert inked == []
    # The name is drawn: the frame holds more ink than a certificate with a short name.
    assert sum(1 for x in range(width) for y in range(height) if pixels[x, y] < 128) > 0


def test_long_names_get_the_smallest_size():
    assert name_size_class("x" * 80) == "name-very-long"
    assert name_size_class("x" * 81) == "name-longest"
    assert name_size_class("张" * 41) == "name-longest"


def test_names_that_fit_are_laid_out_as_without_wrapping():
    """The wrapping rule changes nothing for the roster's names (every script)."""
    rule = "  overflow-wrap: anywhere;\n"
    source = (pdf.STATIC_DIR / "css" / "certificate.css").read_text()
    assert rule in source
    without = CSS(
        string=source.replace(rule, ""),
        url_fetcher=pdf.StaticAssetFetcher(),
        font_config=pdf.FONT_CONFIG,
    )

    def boxes(document: Any) -> list[tuple[Any, ...]]:
        return [
            (type(b).__name__, b.position_x, b.position_y, b.width, b.height)
            for b in _descendants(document.pages[0]._page_box)
        ]

    for seed, row in enumerate(read_roster()):
        context = roster_context(row, seed)
        assert boxes(_layout(context)) == boxes(_layout(context, without)), row["full_name"]


@pytest.mark.parametrize(
    "name",
    [
        "សុខ សុភាព",  # Khmer: vowel signs are combining marks
        "කුමාරි පෙරේරා",  # Sinhala
        "கார்த்திகா சுப்பிரமணியம்",  # Tamil
        "สมศักดิ์ ใจดี",  # Thai
        "Nguyễn Thị Hương",  # Vietnamese, decomposed below
    ],
)
def test_zip_entry_names_keep_every_letter_and_mark(name):
    import unicodedata

    from certificates.services import zip_name

    for form in ("NFC", "NFD"):
        written = unicodedata.normalize(form, name)
        entry = zip_name(written, "PK-2026-000001")
        assert entry == written.replace(" ", "_") + "-PK-2026-000001.pdf"
    assert zip_name("Ana / ../ María", "X-1") == "Ana___María-X-1.pdf"  # no slash, no dot
