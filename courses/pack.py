"""Offline course pack: a whole course as one PDF for a classroom without connectivity."""

from __future__ import annotations

from typing import Any

from lms import pdf

TEMPLATE_NAME = "courses/pack.html"
STYLESHEETS = ("pdf-fonts.css", "course-pack.css")
DIRECTIONS = ("ltr", "rtl")


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")


def pack_html(context: dict[str, Any]) -> str:
    """The course pack as an HTML string (lesson bodies must already be sanitised)."""
    _check_direction(context["direction"])
    for lesson in context["lessons"]:
        _check_direction(lesson.get("direction", "ltr"))
    return pdf.pdf_template(TEMPLATE_NAME).render(**context)


# Each lesson is {number, title, html, is_fallback}; a fallback lesson may also carry the
# "language" and "direction" of its body ("en", "ltr" inside an Arabic pack), so that its text is
# shaped and punctuated as the language it is actually in.
def render_course_pack(context: dict[str, Any]) -> bytes:
    """Render a course pack PDF from plain values (see the context keys in the test samples)."""
    metadata = {
        "title": context["title"],
        "author": context["centre"],
        "subject": context["summary"],
    }
    stylesheets = [pdf.css(name) for name in STYLESHEETS]
    return pdf.render_pdf(pack_html(context), stylesheets, metadata)
