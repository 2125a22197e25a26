"""Shared PDF plumbing: one font configuration, cached stylesheets, a fetcher for packaged assets."""

from __future__ import annotations

import ctypes.util
import io
import logging
import ssl
import unicodedata
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from pypdf import PdfReader, PdfWriter
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

from lms.weasyprint_fixes import (
    OwnUserAgentHTML,
    fix_array_type_parsing,
    fix_right_to_left_double_layout,
)

log = logging.getLogger(__name__)

# Every PDF is rendered after this module is imported (lms/weasyprint_fixes.py): right-to-left
# lines are laid out once, and fonts are subset without parsing a C type for each glyph count.
fix_right_to_left_double_layout()
fix_array_type_parsing()

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_URL = path2url(STATIC_DIR)  # ends with "/" so relative URLs resolve inside static/
# Fonts derived at set-up time (`make`, scripts/build-cjk-font.py): PDF assets, but outside static/
# so that the web server never serves a 19 MB file. Not in git.
BUILT_FONTS_DIR = (Path(__file__).resolve().parent.parent / "build" / "fonts").resolve()
ASSET_DIRS = (STATIC_DIR, BUILT_FONTS_DIR)
# Named by static/css/certificate-fonts.css (common characters, then all); without them Chinese
# certificates fall back to the installed CFF face: correct, but about 40 ms slower and 130 KB
# larger each.
CJK_CERTIFICATE_FONTS = (
    BUILT_FONTS_DIR / "NotoSansCJKscCommon-Regular.ttf",
    BUILT_FONTS_DIR / "NotoSansCJKscTT-Regular.ttf",
    BUILT_FONTS_DIR / "NotoSansCJKscCommon-Bold.ttf",
)

# One per process: a new FontConfiguration per render grew a worker from 62 to 304 MB (DESIGN.md).
FONT_CONFIG = FontConfiguration()

METADATA_KEYS = frozenset({"title", "author", "subject", "keywords"})


class StaticAssetFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that reads only files under static/, build/fonts/ and data: URLs."""

    def __init__(self, timeout: float = 10, ssl_context: ssl.SSLContext | None = None) -> None:
        # Allowed protocols and no redirects are a second fence behind the path check in fetch().
        super().__init__(
            timeout=timeout,
            ssl_context=ssl_context,
            allowed_protocols=("file", "data"),
            allow_redirects=False,
        )

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Fetch url if it is a packaged asset or a data: URL; raise ValueError otherwise."""
        return super().fetch(allowed_asset_url(url), headers)


def allowed_asset_url(url: str) -> str:
    """Return the URL to fetch for url, or raise ValueError if it is not a packaged asset."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return url
    if scheme != "file" or parts.netloc not in ("", "localhost"):
        raise ValueError(f"PDF renderer refuses non-asset URL: {url}")
    # resolve() follows ".." and symlinks, so neither can lead out of static/ or build/fonts/.
    path = Path(unquote(parts.path)).resolve()
    if not any(path.is_relative_to(root) for root in ASSET_DIRS) or not path.is_file():
        raise ValueError(f"PDF renderer refuses file outside static/ and build/fonts/: {url}")
    # Fetch the checked path itself, not the caller's spelling of it (query, fragment, encoding).
    return path2url(path)


def safe_url_fetcher(
    url: str, timeout: float = 10, ssl_context: ssl.SSLContext | None = None
) -> URLFetcherResponse:
    """Fetch url as a packaged asset (file under static/ or build/fonts/, or data:).

    Raise ValueError otherwise.
    """
    return StaticAssetFetcher(timeout=timeout, ssl_context=ssl_context).fetch(url)


def text_direction(value: object) -> str:
    """The direction ("rtl" or "ltr") of the first strongly directional character of value.

    WeasyPrint ignores dir="auto": in an Arabic PDF a serial such as "6246-HSVP-FM43-DX5W" would be
    printed "HSVP-FM43-DX5W-6246". PDF templates write dir="{{ value|dir }}" instead.
    """
    for char in str(value):
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return "ltr"


@cache
def _pdf_templates() -> Environment:
    # A private environment keeps PDF renderers pure: no Flask app, request or gettext needed, so
    # every UI string arrives translated in the context. StrictUndefined turns a missing context
    # key into an error instead of a silent blank on a certificate or a report.
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["dir"] = text_direction
    return environment


def pdf_template(name: str) -> Template:
    """A PDF template under templates/ (certificates, course packs, slips, reports)."""
    return _pdf_templates().get_template(name)


@cache
def css(name: str) -> CSS:
    """The stylesheet static/css/<name>, parsed once per process with the shared font config."""
    css_dir = STATIC_DIR / "css"
    path = (css_dir / name).resolve()
    if not path.is_relative_to(css_dir) or not path.is_file():
        raise ValueError(f"No stylesheet {name!r} in static/css")
    return CSS(filename=path, url_fetcher=StaticAssetFetcher(), font_config=FONT_CONFIG)


def render_pdf(
    html: str,
    stylesheets: Sequence[CSS],
    metadata: dict[str, Any],
    ua_stylesheet: CSS | None = None,
) -> bytes:
    """Render an HTML string to PDF bytes with packaged assets only and the given metadata.

    ua_stylesheet replaces WeasyPrint's HTML5 user-agent stylesheet; it must give the template's
    elements everything they took from it (display, margins, direction from dir=...).
    """
    return write_pages(render_document(html, stylesheets, ua_stylesheet), None, metadata)


def render_document(
    html: str, stylesheets: Sequence[CSS], ua_stylesheet: CSS | None = None
) -> Document:
    """Lay out an HTML string with packaged assets only (see render_pdf); write it with
    write_pages, whole or a page at a time."""
    # A fetcher per render: URLFetcher keeps per-request state, so sharing it across threads is unsafe.
    source = {"string": html, "base_url": STATIC_URL, "url_fetcher": StaticAssetFetcher()}
    parsed = HTML(**source) if ua_stylesheet is None else OwnUserAgentHTML(ua_stylesheet, **source)
    return parsed.render(font_config=FONT_CONFIG, stylesheets=list(stylesheets))


def write_pages(document: Document, pages: Sequence[Any] | None, metadata: dict[str, Any]) -> bytes:
    """PDF bytes of a rendered document, or of some of its pages, with the given metadata."""
    unknown = set(metadata) - METADATA_KEYS
    if unknown:
        raise ValueError(f"Unknown PDF metadata keys: {sorted(unknown)}")
    part = document if pages is None else document.copy(list(pages))
    _apply_metadata(part.metadata, metadata)
    return part.write_pdf()


def join_pdfs(parts: Sequence[bytes], metadata: dict[str, Any]) -> bytes:
    """One PDF of the pages of PDFs rendered apart (by render_pdf, on any worker), in order, with
    the given metadata. Identical objects (the fonts' common glyph programs, a QR code drawn on
    every part) are kept once."""
    unknown = set(metadata) - METADATA_KEYS
    if unknown:
        raise ValueError(f"Unknown PDF metadata keys: {sorted(unknown)}")
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    info = {
        "/Title": metadata.get("title"),
        "/Author": metadata.get("author"),
        "/Subject": metadata.get("subject"),
        "/Producer": "WeasyPrint, joined with pypdf",
    }
    writer.add_metadata({key: value for key, value in info.items() if value})
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _apply_metadata(target: Any, metadata: dict[str, Any]) -> None:
    # Set on the rendered document so callers need not put <meta> tags in every template.
    if "title" in metadata:
        target.title = metadata["title"]
    if "author" in metadata:
        target.authors = [metadata["author"]]
    if "subject" in metadata:
        target.description = metadata["subject"]
    if "keywords" in metadata:
        keywords = metadata["keywords"]
        target.keywords = [keywords] if isinstance(keywords, str) else list(keywords)


def harfbuzz_subset_available() -> bool:
    """Whether libharfbuzz-subset is installed (without it font subsetting is 10-50x slower)."""
    return ctypes.util.find_library("harfbuzz-subset") is not None


def warn_if_slow_fonts() -> None:
    """Log a clear error at start-up if libharfbuzz-subset or the built CJK fonts are missing."""
    if not harfbuzz_subset_available():
        log.error(
            "libharfbuzz-subset is missing: PDFs will fall back to fontTools subsetting "
            "(about 230 ms per certificate, over 1 s with Chinese). Install libharfbuzz-subset0."
        )
    missing = [str(path) for path in CJK_CERTIFICATE_FONTS if not path.is_file()]
    if missing:
        log.warning(
            "%s missing: Chinese certificates use the installed Noto Sans CJK SC, about 40 ms "
            "slower and 130 KB larger each. Build the fonts with `make fonts`.",
            " and ".join(missing),
        )
