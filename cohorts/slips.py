"""Login slips: one slip per trainee (name, service number, initial PIN, sign-in address and QR)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape

from lms.pdf import css, render_pdf

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_ENV = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))


def render_slips(context: dict[str, Any]) -> bytes:
    """The slips PDF from plain values: cohort, sign_in_url, labels, entries [{name, service_number, pin}]."""
    qr = segno.make(context["sign_in_url"], error="m").svg_data_uri(scale=4, border=2)
    html = _ENV.get_template("cohorts/pdf/slips.html").render(**context, qr=qr)
    return render_pdf(
        html,
        [css("pdf-fonts.css"), css("slips.css")],
        {
            "title": context["labels"]["title"],
            "author": context["centre"],
            "subject": context["cohort"],
        },
    )
