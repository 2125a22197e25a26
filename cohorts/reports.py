"""A cohort's reports as files: the readiness report (PDF) and the exports (CSV, XLSX).

One path for both ways they are made: inside the request for a small cohort, as a job for a
large one (above JOB_THRESHOLD_TRAINEES), so that both give the same file. `prepare` reads the
database and gives plain values; `Prepared.render()` then makes the bytes without touching the
database (a job ends its read transaction in between, so that a long render holds no lock).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from cohorts.dashboard import Dashboard, build_dashboard
from cohorts.exports import matrix_table, readiness_html, readiness_table, report_list_limit
from cohorts.models import Cohort, cohort_members
from lms.db import db
from lms.exports import to_csv, to_xlsx
from lms.i18n import is_rtl
from lms.pdf import css, render_pdf

READINESS_REPORT = "readiness-report.pdf"
# What can be asked for: the report, and each table in each format.
REPORTS = (READINESS_REPORT, "matrix.csv", "matrix.xlsx", "readiness.csv", "readiness.xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Prepared:
    """A report ready to render: its file name, type, and how to make its bytes."""

    filename: str
    mimetype: str
    render: Callable[[], bytes]


def member_count(cohort: Cohort) -> int:
    """How many trainees the cohort has (one query, whatever its size)."""
    query = select(func.count()).where(cohort_members.c.cohort_id == cohort.id)
    return int(db.session.scalar(query) or 0)


def is_large(size: int) -> bool:
    """Whether a cohort of this size gets its reports as a job rather than in the request."""
    return size > int(current_app.config["JOB_THRESHOLD_TRAINEES"])


def audit_note(report: str) -> str:
    """How the audit trail names a report (as it did before reports could be jobs)."""
    return "readiness report" if report == READINESS_REPORT else f"export {report}"


def prepare(cohort: Cohort, report: str, language: str, today: date) -> Prepared:
    """Read what the report shows, in the given language, as of `today`."""
    if report not in REPORTS:
        raise ValueError(f"unknown report {report!r}")
    with force_locale(language):
        board = build_dashboard(cohort, today)
        if report == READINESS_REPORT:
            return _prepare_readiness_report(cohort, board, language, today)
        return _prepare_table(cohort, board, report, language)


def _prepare_table(cohort: Cohort, board: Dashboard, report: str, language: str) -> Prepared:
    what, fmt = report.split(".")
    header, rows = (matrix_table if what == "matrix" else readiness_table)(board, language)
    filename = f"cohort-{cohort.id}-{what}.{fmt}"
    if fmt == "csv":
        return Prepared(filename, "text/csv", lambda: to_csv(header, rows))
    return Prepared(filename, XLSX, lambda: to_xlsx(header, rows, title=what))


def _prepare_readiness_report(
    cohort: Cohort, board: Dashboard, language: str, today: date
) -> Prepared:
    html = readiness_html(board, _report_context(cohort, board, language, today))
    metadata = {"title": _("Readiness report"), "author": cohort.centre.issuer_name}
    metadata["subject"] = cohort.name
    stylesheets = [css("pdf-fonts.css"), css("report.css")]
    return Prepared(
        f"readiness-cohort-{cohort.id}.pdf",
        "application/pdf",
        lambda: render_pdf(html, stylesheets, metadata),
    )


def _report_context(cohort: Cohort, board: Dashboard, language: str, today: date) -> dict[str, Any]:
    blocked = len(board.rows) - board.ready_count
    labels = {
        "title": _("Readiness report"),
        "country": _("Contributing country"),
        "mission": _("Mission"),
        "deployment": _("Deployment date"),
        "generated": _("Generated on"),
        "gender": _("Gender"),
        "trainees": _("Trainees"),
        "ready": _("Ready"),
        "course": _("Course"),
        "certified": _("Certified"),
        "blocked": _("Trainees not ready"),
        "date": _("Date"),
        "signature": _("Signature"),
        "ready_summary": _(
            "%(ready)d of %(total)d trainees ready for deployment on %(date)s.",
            ready=board.ready_count,
            total=len(board.rows),
            date=board.target_date.isoformat(),
        ),
        "more": _(
            "… and %(n)d more: see the readiness export for the full list.",
            n=max(0, blocked - report_list_limit(board)),
        ),
        "rule": _(
            "Ready: holds every required certificate, not revoked, valid through the deployment date."
        ),
    }
    return {
        "labels": labels,
        "language": language,
        "direction": "rtl" if is_rtl(language) else "ltr",
        "centre": cohort.centre.issuer_name,
        "generated_on": today.isoformat(),
    }
