"""Certificate PDF: one A4 landscape page with the holder, course, standards and a QR code."""

from __future__ import annotations

import base64
import multiprocessing
import multiprocessing.context
import struct
import threading
import unicodedata
import zlib
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import segno

from lms import pdf
from lms.settings import LANGUAGES

TEMPLATE_NAME = "certificates/pdf/certificate.html"
# certificate-fonts.css, not pdf-fonts.css: the same stacks set once on <html>, and Chinese from the
# TrueType face built by `make` (see that file).
STYLESHEETS = ("certificate-fonts.css", "certificate.css")
# In place of WeasyPrint's HTML5 user-agent stylesheet (see that file).
UA_STYLESHEET = "certificate-ua.css"

DIRECTIONS = ("ltr", "rtl")
TEXT_KEYS = (
    "holder_name",
    "course_title",
    "course_version",
    "issued_on",
    "expires_on",
    "serial",
    "centre",
    "verify_url",
)
# Present but possibly empty (a civilian has no rank): the certificate then leaves the fact out.
OPTIONAL_TEXT_KEYS = ("rank", "service_number", "country", "country_name")
LABEL_KEYS = (
    "title",
    "certifies",
    "completed",
    "standards_met",
    "issued",
    "expires",
    "serial",
    "verify",
    "rank",
    "service_number",
    "country",
)
REQUIRED_KEYS = (*TEXT_KEYS, *OPTIONAL_TEXT_KEYS, "standards", "language", "direction", "labels")

# The name shrinks in steps with its printed width (a CJK character counts as two Latin ones);
# beyond the line, it wraps, between words or, in a name without spaces, anywhere
# (certificate.css). 200 characters, the longest a name may be, take at most four lines.
NAME_SIZES = ((30, "name-normal"), (44, "name-long"), (80, "name-very-long"))
NAME_SIZE_LONGEST = "name-longest"

# ~35 mm on paper (set in certificate.css), 2 modules of quiet zone, 4 px a module: drawn without
# smoothing (image-rendering: pixelated), so the modules stay square at any zoom.
QR_BORDER = 2
QR_SCALE = 4

# The colon after a label of the holder's facts: French puts a narrow no-break space before it,
# Chinese uses the full-width colon.
FACT_COLONS = {"fr": "\u202f:", "zh": "："}


def _require(mapping: Mapping[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [key for key in keys if key not in mapping]
    if missing:
        raise KeyError(f"certificate {where} is missing {', '.join(missing)}")


def _require_text(
    mapping: Mapping[str, Any], keys: tuple[str, ...], where: str, allow_empty: bool = False
) -> None:
    for key in keys:
        value = mapping[key]
        if not isinstance(value, str) or not (allow_empty or value.strip()):
            kind = "a string" if allow_empty else "a non-empty string"
            raise ValueError(f"certificate {where}{key} must be {kind}, not {value!r}")


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"certificate {name} must be one of {choices}, not {value!r}")


def _check_standards(standards: Any) -> None:
    if not isinstance(standards, list | tuple):
        raise ValueError(f"certificate standards must be a list, not {type(standards).__name__}")
    for index, standard in enumerate(standards):
        if not isinstance(standard, Mapping):
            raise ValueError(f"certificate standards[{index}] must be a dict with code and title")
        _require(standard, ("code", "title"), f"standards[{index}]")
        _require_text(standard, ("code", "title"), f"standards[{index}].")


def _check_verify_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"certificate verify_url must be an absolute http(s) URL, not {url!r}")


def validate_context(context: Mapping[str, Any]) -> None:
    """Raise KeyError for a missing key and ValueError for a bad value in a certificate context."""
    _require(context, REQUIRED_KEYS, "context")
    _require_text(context, TEXT_KEYS, "")
    _require_text(context, OPTIONAL_TEXT_KEYS, "", allow_empty=True)
    _check_choice("language", context["language"], LANGUAGES)
    _check_choice("direction", context["direction"], DIRECTIONS)
    if not isinstance(context["labels"], Mapping):
        raise ValueError("certificate labels must be a dict of translated strings")
    _require(context["labels"], LABEL_KEYS, "labels")
    _require_text(context["labels"], LABEL_KEYS, "labels.")
    _check_standards(context["standards"])
    _check_verify_url(context["verify_url"])


def printed_width(text: str) -> int:
    """The width of text in Latin-character units: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def name_size_class(name: str) -> str:
    """The CSS class that sizes the holder's name so that a long one still fits."""
    width = printed_width(name)
    for limit, css_class in NAME_SIZES:
        if width <= limit:
            return css_class
    return NAME_SIZE_LONGEST


def holder_facts(context: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) for the holder's rank, service number and country, leaving out empty ones.

    The label ends with the language's colon (text, not a CSS ::after box: one box less each).
    """
    labels = context["labels"]
    country = context["country_name"] or context["country"]
    if context["country_name"] and context["country"]:
        country = f"{context['country_name']} ({context['country']})"
    facts = (
        (labels["rank"], context["rank"]),
        (labels["service_number"], context["service_number"]),
        (labels["country"], country),
    )
    colon = FACT_COLONS.get(context["language"], ":")
    return [(f"{label}{colon}", value) for label, value in facts if value]


def qr_data_uri(url: str) -> str:
    """The verification QR code as a PNG data: URI (error correction M).

    PNG, not SVG: WeasyPrint's SVG path parsing cost about 20 ms a certificate. A fixed mask
    (any of the eight is valid) skips segno's evaluation of all of them (about 15 ms). 4 px a
    module, not 8: WeasyPrint decodes and re-encodes the image twice, which took 4 ms at 8 px;
    the PDF shows the pixels unsmoothed, so the code prints as sharp.
    """
    return "data:image/png;base64," + base64.b64encode(qr_png(url)).decode("ascii")


def qr_png(url: str) -> bytes:
    """The QR code as an 8-bit grey PNG, written here from segno's modules.

    segno's own PNG writer spends about 1 ms parsing its colour arguments, and its 1-bit image
    is converted to RGB by WeasyPrint; a grey image goes into the PDF as it is (DeviceGray).
    """
    rows = []
    for modules in segno.make(url, error="m", mask=0).matrix_iter(scale=1, border=QR_BORDER):
        # Each row starts with its filter type, 0 (none); a dark module is black (0).
        row = b"\x00" + b"".join(
            b"\x00" * QR_SCALE if dark else b"\xff" * QR_SCALE for dark in modules
        )
        rows.extend([row] * QR_SCALE)
    width, height = len(rows[0]) - 1, len(rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(b"".join(rows))),
            _png_chunk(b"IEND", b""),
        )
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def certificate_html(context: dict[str, Any]) -> str:
    """The certificate as an HTML string, after validating the context."""
    validate_context(context)
    return pdf.pdf_template(TEMPLATE_NAME).render(
        **context,
        name_class=name_size_class(context["holder_name"]),
        facts=holder_facts(context),
        qr_uri=qr_data_uri(context["verify_url"]),
    )


def certificate_metadata(context: Mapping[str, Any]) -> dict[str, str]:
    """The PDF document information: title, author, subject and keywords."""
    return {
        "title": f"{context['labels']['title']} — {context['course_title']}",
        "author": context["centre"],
        "subject": f"{context['holder_name']} · {context['serial']}",
        "keywords": context["serial"],
    }


def render_certificate(context: dict[str, Any]) -> bytes:
    """Render one certificate as PDF bytes from plain values (see REQUIRED_KEYS and LABEL_KEYS)."""
    html = certificate_html(context)
    stylesheets = [pdf.css(name) for name in STYLESHEETS]
    return pdf.render_pdf(
        html, stylesheets, certificate_metadata(context), ua_stylesheet=pdf.css(UA_STYLESHEET)
    )


# Many certificates of one language as one document, a page each, each page written as its own
# PDF: the same bytes as render_certificate gives for each (tests/certificates/test_pdf.py), in
# 10-40% less time (the stylesheets are matched, fonts loaded and the document set up once).
SHEET_STYLESHEET = "certificate-sheets.css"
SHEETS_PER_DOCUMENT = 25


def render_certificate_sheets(contexts: list[dict[str, Any]]) -> list[bytes]:
    """Render certificates in this order, those of one language and direction in one document."""
    groups: dict[tuple[str, str], list[int]] = {}
    for index, context in enumerate(contexts):
        groups.setdefault((context["language"], context["direction"]), []).append(index)
    rendered: dict[int, bytes] = {}
    for indexes in groups.values():
        for start in range(0, len(indexes), SHEETS_PER_DOCUMENT):
            batch = indexes[start : start + SHEETS_PER_DOCUMENT]
            for index, data in zip(batch, _one_document([contexts[i] for i in batch]), strict=True):
                rendered[index] = data
    return [rendered[index] for index in range(len(contexts))]


def _one_document(contexts: list[dict[str, Any]]) -> list[bytes]:
    if len(contexts) == 1:
        return [render_certificate(contexts[0])]
    pages = [certificate_html(context) for context in contexts]
    head = pages[0][: pages[0].index("<body>") + len("<body>")]
    sheets = "".join(
        f'<div class="sheet">{page[page.index("<body>") + len("<body>") : page.rindex("</body>")]}</div>'
        for page in pages
    )
    stylesheets = [pdf.css(name) for name in (*STYLESHEETS, SHEET_STYLESHEET)]
    document = pdf.render_document(
        f"{head}{sheets}</body></html>", stylesheets, ua_stylesheet=pdf.css(UA_STYLESHEET)
    )
    if len(document.pages) != len(contexts):  # a certificate ran over its page: one by one
        return [render_certificate(context) for context in contexts]
    return [
        pdf.write_pages(document, [page], certificate_metadata(context))
        for context, page in zip(contexts, document.pages, strict=True)
    ]


# Rendering many certificates at once (a cohort's completions): worker processes render from plain
# contexts (picklable dicts) and return bytes; the caller keeps every database write.
INLINE_BELOW = 20  # fewer certificates render in the calling process: a pool would not pay off
SAMPLE_CONTEXT: dict[str, Any] = {
    "holder_name": "Sita Gurung 张伟 فاطمة सीता অমিত አበበ",
    "rank": "Captain",
    "service_number": "NP-40112",
    "country": "NPL",
    "country_name": "Nepal",
    "course_title": "Warm-up",
    "course_version": "1",
    "standards": [{"code": "W-1", "title": "Warm-up"}],
    "issued_on": "2026-01-01",
    "expires_on": "2027-01-01",
    "serial": "WARM-UP",
    "centre": "Warm-up",
    "verify_url": "https://warm-up.invalid/verify/WARM-UP",
    "language": "en",
    "direction": "ltr",
    "labels": dict.fromkeys(LABEL_KEYS, "Warm-up"),
}


def warm_up() -> None:
    """Parse the stylesheets and load every script's font, as the first render of a process does.

    Run once in the pool's fork server (certificates/render_worker.py), so that every worker forked
    from it starts warm and shares its copy of the fonts named by @font-face.
    """
    for language, direction in (("en", "ltr"), ("zh", "ltr"), ("ar", "rtl")):
        render_certificate({**SAMPLE_CONTEXT, "language": language, "direction": direction})


def render_certificates(contexts: list[dict[str, Any]], processes: int) -> list[bytes]:
    """Render many certificates, in this order, on up to `processes` worker processes.

    Fewer than INLINE_BELOW render here. The first failure is raised, after the pool has stopped
    (queued renders are cancelled, running ones finish); nothing is returned in that case.
    """
    if processes <= 1 or len(contexts) < INLINE_BELOW or multiprocessing.current_process().daemon:
        # A task queue's worker process may not start processes: its siblings use the other cores.
        return render_certificate_sheets(contexts)
    workers = min(processes, len(contexts) // (INLINE_BELOW // 2))
    # Small chunks keep every worker busy to the end; a chunk saves a round trip per certificate.
    size = max(1, min(16, len(contexts) // (workers * 4)))
    chunks = [contexts[start : start + size] for start in range(0, len(contexts), size)]
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context())
    try:
        futures = [pool.submit(_render_chunk, chunk) for chunk in chunks]
        done_here = _render_while_the_pool_starts(chunks, futures)
        rendered = []
        for index, future in enumerate(futures):
            rendered.extend(done_here[index] if index in done_here else future.result())
        _pool_started.set()
        return rendered
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# Set once a pool has rendered in this process: its fork server is up and warm from then on.
_pool_started = threading.Event()


def _render_while_the_pool_starts(
    chunks: list[list[dict[str, Any]]], futures: list[Future[list[bytes]]]
) -> dict[int, list[bytes]]:
    """The first time, starting the fork server takes about 2 s (it imports WeasyPrint and renders
    samples): meanwhile this process renders chunks itself, from the end of the queue, until the
    first worker's result arrives. Returns {chunk index: PDFs} of the chunks rendered here."""
    done_here: dict[int, list[bytes]] = {}
    if _pool_started.is_set():
        return done_here
    first_result = threading.Event()

    def note_result(future: Future[list[bytes]]) -> None:
        if not future.cancelled():
            first_result.set()

    for future in futures:
        future.add_done_callback(note_result)
    for index in range(len(futures) - 1, -1, -1):
        if first_result.is_set() or not futures[index].cancel():
            break
        done_here[index] = _render_chunk(chunks[index])
    return done_here


def _render_chunk(contexts: list[dict[str, Any]]) -> list[bytes]:
    return render_certificate_sheets(contexts)


@cache
def _pool_context() -> multiprocessing.context.BaseContext:
    # "forkserver": workers fork from a server process started once (per app process) that has
    # imported WeasyPrint and rendered a sample, so a pool starts in milliseconds instead of the
    # ~1.7 s of CPU a spawned worker needs, and never forks the web process itself (threads, open
    # database connections). The server lives as long as the process that started it.
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # "__main__" too: a worker would otherwise run the main script again (gunicorn's, a CLI's).
    context.set_forkserver_preload(["__main__", "certificates.render_worker"])
    return context
