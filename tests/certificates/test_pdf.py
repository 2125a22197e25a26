"""Certificate PDFs: every roster name as real text in an embedded font, a QR code that scans, one page."""

from __future__ import annotations

import copy
import csv
import re
import shutil
import subprocess
import unicodedata
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from weasyprint.urls import path2url

from certificates.pdf import certificate_html, name_size_class, render_certificate
from certificates.serials import ALPHABET, BODY_LENGTH, check_symbol, group
from lms import pdf

# A copy of ../shared/data/roster-sample.csv, so the suite never depends on a sibling folder.
ROSTER_PATH = Path(__file__).resolve().parents[1] / "data" / "roster-sample.csv"
BIDI_MARKS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfinfo")),
    reason="poppler-utils (pdftotext, pdffonts, pdfinfo) is not installed",
)

LABELS = {
    "en": {
        "title": "Certificate of completion",
        "certifies": "This certifies that",
        "completed": "has completed the course",
        "standards_met": "Performance standards met",
        "issued": "Issued",
        "expires": "Valid until",
        "serial": "Serial number",
        "verify": "To check this certificate, scan the code or visit:",
        "rank": "Rank",
        "service_number": "Service number",
        "country": "Country",
    },
    "fr": {
        "title": "Certificat de réussite",
        "certifies": "Il est certifié que",
        "completed": "a suivi avec succès le cours",
        "standards_met": "Normes de performance atteintes",
        "issued": "Délivré le",
        "expires": "Valable jusqu’au",
        "serial": "Numéro de série",
        "verify": "Pour vérifier ce certificat, scannez le code ou rendez-vous sur :",
        "rank": "Grade",
        "service_number": "Matricule",
        "country": "Pays",
    },
    "zh": {
        "title": "结业证书",
        "certifies": "兹证明",
        "completed": "已完成以下课程",
        "standards_met": "已达到的绩效标准",
        "issued": "颁发日期",
        "expires": "有效期至",
        "serial": "证书编号",
        "verify": "如需核实本证书，请扫描二维码或访问：",
        "rank": "军衔",
        "service_number": "军籍号",
        "country": "国家",
    },
    "ar": {
        "title": "شهادة إتمام",
        "certifies": "يشهد هذا بأن",
        "completed": "قد أتم الدورة التدريبية",
        "standards_met": "معايير الأداء المستوفاة",
        "issued": "تاريخ الإصدار",
        "expires": "صالحة حتى",
        "serial": "الرقم التسلسلي",
        "verify": "للتحقق من هذه الشهادة، امسح الرمز أو تفضل بزيارة:",
        "rank": "الرتبة",
        "service_number": "الرقم العسكري",
        "country": "البلد",
    },
}

COURSE_TITLES = {
    "en": "Core Pre-deployment Training",
    "fr": "Formation de base préalable au déploiement",
    "zh": "核心部署前培训",
    "ar": "التدريب الأساسي السابق للنشر",
}

STANDARDS = {
    "en": [
        ("POC-01", "Protection of civilians"),
        ("SEA-02", "Prevention of sexual exploitation and abuse"),
    ],
    "fr": [
        ("POC-01", "Protection des civils"),
        ("SEA-02", "Prévention de l’exploitation et des abus sexuels"),
    ],
    "zh": [("POC-01", "保护平民"), ("SEA-02", "预防性剥削和性虐待")],
    "ar": [("POC-01", "حماية المدنيين"), ("SEA-02", "منع الاستغلال والانتهاك الجنسيين")],
}

SIX_LONG_STANDARDS = [
    ("POC-01", "Protection of civilians under imminent threat of physical violence"),
    ("CRSV-02", "Prevention of and response to conflict-related sexual violence"),
    ("SEA-03", "Prevention of sexual exploitation and abuse by United Nations personnel"),
    ("IHL-04", "International humanitarian law and the rules of engagement in the field"),
    ("MED-05", "Buddy first aid and casualty evacuation under fire and in remote areas"),
    ("CIMIC-06", "Civil-military coordination with humanitarian actors and local authorities"),
]

ISSUED = {"en": "2 May 2024", "fr": "2 mai 2024", "zh": "2024年5月2日", "ar": "2 مايو 2024"}
EXPIRES = {"en": "2 May 2027", "fr": "2 mai 2027", "zh": "2027年5月2日", "ar": "2 مايو 2027"}

COUNTRY_NAMES = {
    "NPL": {"en": "Nepal", "fr": "Népal", "zh": "尼泊尔", "ar": "نيبال"},
    "BGD": {"en": "Bangladesh", "fr": "Bangladesh", "zh": "孟加拉国", "ar": "بنغلاديش"},
    "CHN": {"en": "China", "fr": "Chine", "zh": "中国", "ar": "الصين"},
    "SEN": {"en": "Senegal", "fr": "Sénégal", "zh": "塞内加尔", "ar": "السنغال"},
    "MAR": {"en": "Morocco", "fr": "Maroc", "zh": "摩洛哥", "ar": "المغرب"},
    "RWA": {"en": "Rwanda", "fr": "Rwanda", "zh": "卢旺达", "ar": "رواندا"},
    "ETH": {"en": "Ethiopia", "fr": "Éthiopie", "zh": "埃塞俄比亚", "ar": "إثيوبيا"},
    "IDN": {"en": "Indonesia", "fr": "Indonésie", "zh": "印度尼西亚", "ar": "إندونيسيا"},
    "IND": {"en": "India", "fr": "Inde", "zh": "印度", "ar": "الهند"},
}

# The font family a name in each script must be set in, as pdffonts names it (subset prefix removed).
SCRIPT_FONTS = {
    "DEVANAGARI": "Noto-Sans-Devanagari",
    "BENGALI": "Noto-Sans-Bengali",
    "ETHIOPIC": "Noto-Sans-Ethiopic",
    "CJK": "Noto-Sans-CJK-SC",
    "ARABIC": "Noto-Naskh-Arabic",
}


def sample_serial(seed: int) -> str:
    """A valid, deterministic serial number."""
    body = "".join(ALPHABET[(seed * 7 + i * 11) % len(ALPHABET)] for i in range(BODY_LENGTH))
    return group(body + check_symbol(body))


def sample_context(
    language: str = "en",
    holder_name: str = "Sita Gurung",
    country: str = "NPL",
    rank: str = "Captain",
    service_number: str = "NP-40112",
    seed: int = 1,
) -> dict[str, Any]:
    """A complete certificate context in language."""
    serial = sample_serial(seed)
    return {
        "holder_name": holder_name,
        "rank": rank,
        "service_number": service_number,
        "country": country,
        "country_name": COUNTRY_NAMES[country][language],
        "course_title": COURSE_TITLES[language],
        "course_version": "2024.2",
        "standards": [{"code": code, "title": title} for code, title in STANDARDS[language]],
        "issued_on": ISSUED[language],
        "expires_on": EXPIRES[language],
        "serial": serial,
        "centre": "Test Peacekeeping Training Centre",
        "verify_url": f"https://lms.example.org/verify/{serial}",
        "language": language,
        "direction": "rtl" if language == "ar" else "ltr",
        "labels": LABELS[language],
    }


def read_roster() -> list[dict[str, str]]:
    """The rows of the shared roster sample, or skip the test if the file is not there."""
    if not ROSTER_PATH.is_file():
        pytest.skip(f"roster sample not found at {ROSTER_PATH} (shared data not checked out)")
    with ROSTER_PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def roster_context(row: dict[str, str], seed: int) -> dict[str, Any]:
    """A certificate context for one roster row, in the trainee's language."""
    return sample_context(
        language=row["language"],
        holder_name=row["full_name"],
        country=row["nationality"],
        rank=row["rank"],
        service_number=row["service_number"],
        seed=seed,
    )


def poppler(tool: str, pdf_bytes: bytes, tmp_path: Path, *args: str) -> str:
    """Run a poppler-utils tool on pdf_bytes and return its standard output."""
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf_bytes)
    return subprocess.run(
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def plain(text: str) -> str:
    """Text without bidi marks and with runs of whitespace as single spaces."""
    return " ".join(BIDI_MARKS.sub("", text).split())


def embedded_fonts(pdf_bytes: bytes, tmp_path: Path) -> dict[str, str]:
    """Font name (subset prefix removed) -> "yes"/"no" from pdffonts' emb column."""
    fonts = {}
    for line in poppler("pdffonts", pdf_bytes, tmp_path).splitlines()[2:]:
        # Columns after the name: type (may be two words), encoding, emb, sub, uni, object ID.
        name, *rest = line.split()
        fonts[re.sub(r"^[A-Z]{6}\+", "", name)] = rest[-5]
    return fonts


def scripts_of(name: str) -> set[str]:
    """The scripts of SCRIPT_FONTS that occur in name."""
    found = set()
    for ch in name:
        char_name = unicodedata.name(ch, "")
        found.update(script for script in SCRIPT_FONTS if char_name.startswith(script))
    return found


def page_count(pdf_bytes: bytes, tmp_path: Path) -> int:
    """The number of pages pdfinfo reports."""
    match = re.search(r"^Pages:\s+(\d+)$", poppler("pdfinfo", pdf_bytes, tmp_path), re.MULTILINE)
    assert match
    return int(match.group(1))


def decode_qr(pdf_bytes: bytes, tmp_path: Path) -> str:
    """Rasterise page 1 at 150 dpi and return what zbarimg reads from it."""
    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf_bytes)
    prefix = tmp_path / "page"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(path),
            str(prefix),
        ],
        check=True,
        timeout=60,
    )
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(prefix.with_suffix(".png"))],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.rstrip("\n")


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
    # 喆 is not in GB 2312: it comes from the full face, still as text.
    pdf_bytes = render_certificate(sample_context("zh", holder_name="王喆", country="CHN"))
    listing = poppler("pdffonts", pdf_bytes, tmp_path)
    assert re.search(r"\+Noto-Sans-CJK-SC-TT\s+CID TrueType", listing), listing
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
