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
def start(slug: str) -> str | tuple[str, int]:
    """Start an attempt (a double click starts only one) and show its first question at once.

    No redirect: over a satellite link each round trip costs 2 s. Reloading the page sends the
    start again, which finds the open attempt and shows its first question again.
    """
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
    opened = quizzes.open_sheet(current_user, attempt.id)
    assert opened is not None  # just started, by this trainee
    return _question_page(opened.sheet, opened.answers, 1)


@bp.route("/attempts/<int:attempt_id>/questions/<int:position>", methods=["GET", "POST"])
@role_required("trainee")
def question(attempt_id: int, position: int) -> str | Response | tuple[str, int]:
    """One question of an attempt. A POST saves the answer to the question the trainee was on
    (`from`) and shows this one in the same response: each answer costs one round trip."""
    opened = quizzes.open_sheet(current_user, attempt_id)
    if opened is None:
        abort(404)  # another trainee's attempt is not revealed
    sheet, closed_by, answers = opened
    if closed_by is not None and request.method == "GET":
        return redirect(url_for("assessments.result", attempt_id=sheet.id))
    if not 1 <= position <= len(sheet.items):
        abort(404)
    if request.method == "POST":
        refused = _save_posted(sheet, closed_by, answers, default=position)
        if refused:
            return refused
    return _question_page(sheet, answers, position)


def _question_page(
    sheet: quizzes.AttemptSheet, answers: dict[int, list[str]], position: int
) -> str:
    item = sheet.items[position - 1]
    return render_template(
        "assessments/question.html",
        attempt=sheet,
        item=item,
        position=position,
        answers=answers,
        chosen=answers.get(item.id, []),
        minutes_left=_minutes_left(sheet),
        seconds_left=_seconds_left(sheet),
    )


def _save_posted(
    sheet: quizzes.AttemptSheet,
    closed_by: str | None,
    answers: dict[int, list[str]],
    default: int,
) -> tuple[str, int] | None:
    """Save the posted answer to question `from` (default: the page posted to); None when saved,
    else the error page. answers is updated to what the next page must show."""
    if not QuizActionForm().validate_on_submit():
        abort(400)
    if closed_by is not None:
        return render_error(409, quizzes.closed_message(closed_by))
    answered = request.form.get("from", str(default))
    if not answered.isdigit() or not 1 <= int(answered) <= len(sheet.items):
        return render_error(404, _("This question is not part of your attempt."))
    item = sheet.items[int(answered) - 1]
    try:
        answers[item.id] = quizzes.save_answer_if_changed(
            sheet, item, request.form.getlist("answer"), answers.get(item.id)
        )
    except quizzes.QuizError as error:
        return render_error(error.status, str(error))
    return None


def _minutes_left(attempt: QuizAttempt | quizzes.AttemptSheet) -> int:
    return _seconds_left(attempt) // 60


def _seconds_left(attempt: QuizAttempt | quizzes.AttemptSheet) -> int:
    return max(0, int((attempt.deadline_at - utcnow()).total_seconds()))


@bp.get("/attempts/<int:attempt_id>/sheet")
@role_required("trainee")
def sheet(attempt_id: int) -> Response:
    """Every question of an open attempt in one response, for static/js/quiz.js (the trainee then
    moves between questions without a round trip)."""
    opened = quizzes.open_sheet(current_user, attempt_id)
    if opened is None:
        abort(404)
    if opened.closed_by is not None:
        return make_response(render_error(409, quizzes.closed_message(opened.closed_by)))
    response = make_response(
        render_template("assessments/sheet.html", attempt=opened.sheet, answers=opened.answers)
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/attempts/<int:attempt_id>/answers")
@role_required("trainee")
def save_answers(attempt_id: int) -> tuple[Response, int]:
    """Answers sent in the background by static/js/quiz.js, as JSON with the CSRF token in the
    X-CSRFToken header: `{"answers": [{"question": 3, "answer": ["<option key>"]}, ...]}`.

    All are saved or none (a refusal names the problem, `"refused": true`: the device may drop
    them, they can never be saved). The answer: `{"saved": [3], "answered": [1, 2, 3]}`, the
    questions that now have an answer. The server's clock decides: after the deadline, 409.
    """
    opened = quizzes.open_sheet(current_user, attempt_id)
    if opened is None:
        abort(404)  # another trainee's attempt is not revealed
    sheet, closed_by, answers = opened
    if closed_by is not None:
        return jsonify(error=quizzes.closed_message(closed_by), closed=True, refused=True), 409
    try:
        batch = quizzes.read_answer_batch(request.get_json(silent=True), sheet)
        quizzes.save_answers_if_changed(sheet, batch, answers)
    except quizzes.QuizError as error:
        closed = error.status == 409
        return jsonify(error=str(error), closed=closed, refused=True), error.status
    answered = [item.position for item in sheet.items if answers.get(item.id)]
    return jsonify(saved=sorted({item.position for item, _keys in batch}), answered=answered), 200


@bp.route("/attempts/<int:attempt_id>/review", methods=["GET", "POST"])
@role_required("trainee")
def review(attempt_id: int) -> str | Response | tuple[str, int]:
    """Every question with whether it has an answer, and the submit button. A POST saves the
    answer to the question the trainee was on (`from`) first, as a question page does."""
    opened = quizzes.open_sheet(current_user, attempt_id)
    if opened is None:
        abort(404)
    sheet, closed_by, answers = opened
    if request.method == "POST":
        refused = _save_posted(sheet, closed_by, answers, default=len(sheet.items))
        if refused:
            return refused
    elif closed_by is not None:
        return redirect(url_for("assessments.result", attempt_id=sheet.id))
    return render_template(
        "assessments/review.html",
        attempt=sheet,
        answered={item_id for item_id, keys in answers.items() if keys},
        form=QuizActionForm(),
        minutes_left=_minutes_left(sheet),
    )


@bp.post("/attempts/<int:attempt_id>/submit")
@role_required("trainee")
def submit(attempt_id: int) -> str | tuple[str, int]:
    """Submit the attempt and show the result in the same response (one round trip): it is scored
    once, whatever number of times it is sent (a reload sends it again). Sent from the last
    question (`from`), it saves that answer first."""
    if "from" in request.form:  # "Save and submit" on the last question: its answer first
        opened = quizzes.open_sheet(current_user, attempt_id)
        if opened is None:
            abort(404)
        sheet, closed_by, answers = opened
        if closed_by is None and (refused := _save_posted(sheet, closed_by, answers, default=0)):
            return refused
    attempt = _attempt_or_404(attempt_id)
    if not QuizActionForm().validate_on_submit():
        abort(400)
    already = attempt.result is not None
    quizzes.close_attempt(attempt, "trainee")
    if already:
        flash(_("This attempt had already been submitted; it counts once."), "info")
    return _result_page(attempt)


@bp.get("/attempts/<int:attempt_id>/result")
@role_required("trainee")
def result(attempt_id: int) -> str | Response:
    """The result per standard, each question with its explanation, and what to study again."""
    attempt = _attempt_or_404(attempt_id)
    quizzes.close_if_expired(attempt)
    if attempt.result is None:
        return redirect(url_for("assessments.review", attempt_id=attempt.id))
    return _result_page(attempt)


def _result_page(attempt: QuizAttempt) -> str:
    assert attempt.result is not None
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
    titles = courses.lesson_titles(
        [lesson for lessons in lessons_for.values() for lesson in lessons], current_language()
    )
    return render_template(
        "assessments/result.html",
        attempt=attempt,
        course=course,
        weak=weak,
        lessons_for=lessons_for,
        titles=titles,
        standards=standards,
        rows=quizzes.result_view(attempt),
        # What the domains above say about this course for this person (its certificate).
        **hooks.merged("quiz_result", current_user, course),
    )
