"""Tables behind the dashboard exports, and the one-page readiness report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext
from flask_babel import gettext as _

from accounts.ranks import rank_label
from cohorts.dashboard import STATUSES, Blocker, Dashboard
from lms.pdf import pdf_template

REPORT_LIST_LIMIT = 30
# Rows of reasons the one page holds: each listed trainee carries a reason per required course.
REPORT_REASON_ROWS = 60


def report_list_limit(board: Dashboard) -> int:
    """How many trainees not ready the one-page report lists: 30, fewer when every row carries
    the reasons of three or more courses (the rest are in the readiness export)."""
    return min(REPORT_LIST_LIMIT, REPORT_REASON_ROWS // max(1, len(board.courses)))


Say = Callable[[str], str]


def remembered_gettext() -> Say:
    """gettext for one table: each message looked up once (a 5,000-row export asked Flask-Babel
    for its translations 38,000 times, a quarter of its time)."""
    said: dict[str, str] = {}

    def say(message: str) -> str:
        if message not in said:
            said[message] = gettext(message)
        return said[message]

    return say


def status_label(status: str, _: Say = gettext) -> str:
    """A status in the reader's language."""
    return {
        "not_started": _("not started"),
        "in_progress": _("in progress"),
        "passed": _("passed"),
        "certified": _("certified"),
        "expired": _("expired"),
    }[status]


GENDERS = ("F", "M", "X", "")


def gender_label(code: str, _: Say = gettext) -> str:
    """A gender code of the roster (F, M, X or none) in the reader's language."""
    return {"F": _("Female"), "M": _("Male"), "X": _("Another gender")}.get(code) or _(
        "Not recorded"
    )


def gender_labels() -> dict[str, str]:
    """Every gender code's label, asked once per table or page."""
    return {code: gender_label(code) for code in GENDERS}


def blocker_text(blocker: Blocker, course_titles: dict[str, str], _: Say = gettext) -> str:
    """What blocks a trainee for one course, as a sentence in the reader's language."""
    title = course_titles[blocker.course]
    if blocker.reason == "expires_before_deployment":
        return _("%(course)s: certificate expires on %(date)s, before the deployment") % {
            "course": title,
            "date": blocker.detail["expires_on"].isoformat(),
        }
    if blocker.reason == "revoked":
        return _("%(course)s: certificate revoked") % {"course": title}
    parts = [
        _("lessons %(done)d/%(total)d")
        % {"done": blocker.detail["lessons_done"], "total": blocker.detail["lessons_total"]}
    ]
    if not blocker.detail["quiz_passed"]:
        parts.append(_("quiz not passed"))
    parts += [
        _("practical %(code)s not passed") % {"code": code}
        for code in blocker.detail["practicals_missing"]
    ]
    return f"{title}: " + ", ".join(parts)


def _titles(board: Dashboard, language: str) -> dict[str, str]:
    return {c.slug: c.title_in(language) for c in board.courses}


def matrix_table(board: Dashboard, language: str) -> tuple[list[str], list[list[Any]]]:
    """Trainee x required course, with the status of each."""
    titles = _titles(board, language)
    header = [_("Service number"), _("Name"), _("Rank"), _("Gender"), _("Unit")] + [
        titles[c.slug] for c in board.courses
    ]
    labels = {status: status_label(status) for status in STATUSES}
    genders = gender_labels()
    rows = [
        [
            r.service_number,
            r.name,
            rank_label(r.rank, language),
            genders.get(r.gender, r.gender),
            r.unit,
        ]
        + [labels[r.statuses[c.slug]] for c in board.courses]
        for r in board.rows
    ]
    return header, rows


def readiness_table(board: Dashboard, language: str) -> tuple[list[str], list[list[Any]]]:
    """Each trainee: ready or not for the deployment date, and what blocks them."""
    titles = _titles(board, language)
    header = [
        _("Service number"),
        _("Name"),
        _("Rank"),
        _("Gender"),
        _("Unit"),
        _("Ready"),
        _("What blocks"),
    ]
    say = remembered_gettext()
    yes, no = _("yes"), _("no")
    genders = gender_labels()
    rows = [
        [
            r.service_number,
            r.name,
            rank_label(r.rank, language),
            genders.get(r.gender, r.gender),
            r.unit,
            yes if r.ready else no,
            "; ".join(blocker_text(b, titles, say) for b in r.blockers),
        ]
        for r in board.rows
    ]
    return header, rows


def readiness_html(board: Dashboard, context: dict[str, Any]) -> str:
    """The one-page readiness report of a cohort (for the unit commander), as HTML to render."""
    titles = _titles(board, context["language"])
    blocked = [r for r in board.rows if not r.ready]
    limit = report_list_limit(board)
    return pdf_template("cohorts/pdf/readiness.html").render(
        **context,
        board=board,
        gender=[(gender_label(g), total, ready) for g, total, ready in board.breakdown("gender")],
        blocked=[
            (
                r,
                rank_label(r.rank, context["language"]),
                [blocker_text(b, titles) for b in r.blockers],
            )
            for r in blocked[:limit]
        ],
        more=max(0, len(blocked) - limit),
        course_rows=[
            (titles[c.slug], board.status_counts()[c.slug]["certified"]) for c in board.courses
        ],
    )
