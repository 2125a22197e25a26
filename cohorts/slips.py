"""Login slips: one slip per trainee (name, service number, initial PIN, sign-in address and QR)."""

from __future__ import annotations

from typing import Any

import segno

from lms.pdf import css, join_pdfs, pdf_template, render_pdf


def _metadata(context: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": context["labels"]["title"],
        "author": context["centre"],
        "subject": context["cohort"],
    }


def render_slips(context: dict[str, Any]) -> bytes:
    """The slips PDF from plain values: cohort, sign_in_url, labels, entries [{name, service_number, pin}]."""
    # One PNG, drawn crisp (slips.css): an SVG QR code was drawn again on every slip, a quarter
    # of the render of a cohort's slips (docs/benchmarks.md).
    qr = segno.make(context["sign_in_url"], error="m").png_data_uri(scale=8, border=2)
    html = pdf_template("cohorts/pdf/slips.html").render(**context, qr=qr)
    return render_pdf(html, [css("pdf-fonts.css"), css("slips.css")], _metadata(context))


def join_slips(parts: list[bytes], context: dict[str, Any]) -> bytes:
    """One PDF of the slips rendered in parts (render_slips on consecutive members), with the
    whole document's metadata."""
    return join_pdfs(parts, _metadata(context))
