"""Assessment pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import role_required

bp = Blueprint("assessments", __name__)


@bp.get("/standards")
@role_required("admin", "trainer")
def standards() -> str:
    """The catalog of unified standards."""
    return render_template("assessments/standards.html")


@bp.get("/<slug>/quiz")
@role_required("trainee")
def quiz(slug: str) -> str | tuple[str, int]:
    """The course quiz; it opens only when every lesson of the course is complete."""
    from courses import services as courses
    from lms.errors import render_error

    course = courses.get_course(slug)
    if course is None:
        abort(404)
    progress = courses.progress_in(current_user, course)
    if progress.enrolment is None or not progress.all_lessons_complete:
        return render_error(403, _("The quiz opens when you have completed every lesson."))
    return render_template("assessments/quiz_start.html", course=course)
