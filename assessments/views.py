"""Assessment pages: the standards catalog, quizzes (start, answer, review, submit, result)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from assessments import quiz as quizzes
from assessments import services
from assessments.forms import QuizActionForm
from assessments.models import QuizAttempt
from assessments.scoring import needed
from courses import services as courses
from courses.models import Course
from lms import hooks
from lms.access import role_required
from lms.db import db, utcnow
from lms.errors import render_error
from lms.i18n import current_language

bp = Blueprint("assessments", __name__)


@bp.get("/standards")
@role_required("admin", "trainer")
def standards() -> str:
    """The catalog of unified standards, with earlier versions and the practical rubrics."""
    return render_template(
        "assessments/standards.html",
        standards=services.all_standards(),
        rubrics=services.current_rubrics(),
    )


@bp.get("/standards.csv")
@role_required("admin", "trainer")
def standards_csv() -> Response:
    """The catalog as CSV (every version, every language)."""
    response = make_response(services.standards_as_csv())
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = 'attachment; filename="standards.csv"'
    return response


@bp.get("/standards.json")
@role_required("admin", "trainer")
def standards_json() -> Response:
    """The catalog as JSON (every version, every language)."""
    response = jsonify({"standards": services.standards_as_records()})
    response.headers["Content-Disposition"] = 'attachment; filename="standards.json"'
    return response


def _course_or_404(slug: str) -> Course:
    course = courses.get_course(slug)
    if course is None:
        abort(404)
    return course


def _attempt_or_404(attempt_id: int) -> QuizAttempt:
    attempt = quizzes.get_attempt_for(current_user, attempt_id)
    if attempt is None:
        abort(404)  # another trainee's attempt is not revealed
    return attempt


def _locked(course: Course) -> tuple[str, int] | None:
    progress = courses.progress_in(current_user, course)
    if progress.enrolment is None or not progress.all_lessons_complete:
        return render_error(403, _("The quiz opens when you have completed every lesson."))
    return None


@bp.get("/<slug>/quiz")
@role_required("trainee")
def quiz(slug: str) -> str | tuple[str, int]:
    """The quiz of a course: its rules, the trainee's attempts, start or resume."""
    course = _course_or_404(slug)
    locked = _locked(course)
    if locked:
        return locked
    status = quizzes.quiz_status(current_user, course)
    per_standard = course.quiz["questions_per_standard"]
    threshold = course.quiz.get("standard_threshold")
    return render_template(
        "assessments/quiz.html",
        course=course,
        status=status,
        questions=per_standard * len(course.standards),
        per_standard=per_standard,
        per_standard_needed=needed(per_standard, threshold) if threshold else None,
        form=QuizActionForm(),
    )


@bp.post("/<slug>/quiz/start")
@role_required("trainee")
def start(slug: str) -> Response | tuple[str, int]:
    """Start an attempt (a double click starts only one)."""
    course = _course_or_404(slug)
    locked = _locked(course)
    if locked:
        return locked
    if not QuizActionForm().validate_on_submit():
        abort(400)
    try:
        attempt = quizzes.start_attempt(current_user, course, current_language())
    except quizzes.QuizError as error:
        return render_error(error.status, str(error))
    return redirect(url_for("assessments.question", attempt_id=attempt.id, position=1))


@bp.route("/attempts/<int:attempt_id>/questions/<int:position>", methods=["GET", "POST"])
@role_required("trainee")
def question(attempt_id: int, position: int) -> str | Response | tuple[str, int]:
    """One question of an attempt; posting saves the answer, then moves on."""
    opened = quizzes.open_sheet(current_user, attempt_id)
    if opened is None:
        abort(404)  # another trainee's attempt is not revealed
    sheet, closed_by, answers = opened
    if closed_by is not None and request.method == "GET":
        return redirect(url_for("assessments.result", attempt_id=sheet.id))
    if not 1 <= position <= len(sheet.items):
        abort(404)
    item = sheet.items[position - 1]
    if request.method == "POST":
        return _save_and_move(sheet, closed_by, item, position, answers.get(item.id))
    return render_template(
        "assessments/question.html",
        attempt=sheet,
        item=item,
        position=position,
        answers=answers,
        chosen=answers.get(item.id, []),
        minutes_left=_minutes_left(sheet),
    )


def _save_and_move(
    sheet: quizzes.AttemptSheet,
    closed_by: str | None,
    item: quizzes.ServedItem,
    position: int,
    previous: list[str] | None,
) -> Response | tuple[str, int]:
    if not QuizActionForm().validate_on_submit():
        abort(400)
    if closed_by is not None:
        return render_error(409, quizzes.closed_message(closed_by))
    chosen = request.form.getlist("answer")
    try:
        if sorted(chosen) != sorted(previous or []):  # save changes only (clearing included)
            quizzes.save_answer(sheet, item, chosen)
    except quizzes.QuizError as error:
        return render_error(error.status, str(error))
    go = request.form.get("go", "next")
    if go.isdigit() and 1 <= int(go) <= len(sheet.items):  # a question number: go there
        return redirect(url_for("assessments.question", attempt_id=sheet.id, position=int(go)))
    if go == "prev" and position > 1:
        return redirect(url_for("assessments.question", attempt_id=sheet.id, position=position - 1))
    if go == "review" or position == len(sheet.items):
        return redirect(url_for("assessments.review", attempt_id=sheet.id))
    return redirect(url_for("assessments.question", attempt_id=sheet.id, position=position + 1))


def _minutes_left(attempt: QuizAttempt | quizzes.AttemptSheet) -> int:
    return max(0, int((attempt.deadline_at - utcnow()).total_seconds() // 60))


@bp.get("/attempts/<int:attempt_id>/review")
@role_required("trainee")
def review(attempt_id: int) -> str | Response:
    """Every question with whether it has an answer, and the submit button."""
    attempt = _attempt_or_404(attempt_id)
    quizzes.close_if_expired(attempt)
    if attempt.result is not None:
        return redirect(url_for("assessments.result", attempt_id=attempt.id))
    return render_template(
        "assessments/review.html",
        attempt=attempt,
        answers=quizzes.latest_answers(attempt),
        form=QuizActionForm(),
        minutes_left=_minutes_left(attempt),
    )


@bp.post("/attempts/<int:attempt_id>/submit")
@role_required("trainee")
def submit(attempt_id: int) -> Response:
    """Submit the attempt: it is scored once, whatever number of times it is sent."""
    attempt = _attempt_or_404(attempt_id)
    if not QuizActionForm().validate_on_submit():
        abort(400)
    already = attempt.result is not None
    quizzes.close_attempt(attempt, "trainee")
    if already:
        flash(_("This attempt had already been submitted; it counts once."), "info")
    return redirect(url_for("assessments.result", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/result")
@role_required("trainee")
def result(attempt_id: int) -> str | Response:
    """The result per standard, each question with its explanation, and what to study again."""
    attempt = _attempt_or_404(attempt_id)
    quizzes.close_if_expired(attempt)
    if attempt.result is None:
        return redirect(url_for("assessments.review", attempt_id=attempt.id))
    course = db.session.get_one(Course, attempt.course_id)
    weak = [
        code
        for code, value in attempt.result.by_standard.items()
        if value < attempt.thresholds.get(code, 0)
    ]
    lessons_for = {
        code: [lesson for lesson in course.current_lessons if code in lesson.standards]
        for code in weak
    }
    standards = quizzes.current_standards(list(attempt.thresholds))
    return render_template(
        "assessments/result.html",
        attempt=attempt,
        course=course,
        weak=weak,
        lessons_for=lessons_for,
        standards=standards,
        rows=quizzes.result_view(attempt),
        # What the domains above say about this course for this person (its certificate).
        **hooks.merged("quiz_result", current_user, course),
    )
