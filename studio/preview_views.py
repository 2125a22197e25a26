"""Preview pages: a course author sees the centre's draft as a trainee would, in any language, and
takes its quiz; nothing is recorded (no attempt, no progress, no statement, no audit entry).

The page itself is rendered in the language previewed (as a trainee reading it sees it: the
fallback notices, the labels, the direction); the preview banner and its language switch stay in
the author's own language. For course authors only, inside their centre (another centre's draft:
404)."""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import IntegerField
from wtforms.validators import NumberRange

from assessments.quiz import QuizError
from assessments.scoring import needed
from lms.access import permission_required
from lms.errors import render_error
from lms.i18n import LANGUAGE_NAMES, current_language, is_rtl
from lms.settings import LANGUAGES
from studio import drafts, preview
from studio.loader import CoursePackage
from studio.models import CourseDraft
from studio.views import draft_image

bp = Blueprint("studio_preview", __name__)
author_only = permission_required("course_author")


class PreviewQuizForm(FlaskForm):
    """The answers of a preview quiz, with the draw they answer (its seed and the draft's revision
    it was drawn from)."""

    seed = IntegerField(validators=[NumberRange(min=0, max=preview.SEED_LIMIT)])
    revision = IntegerField(validators=[NumberRange(min=1, max=2**31 - 1)])


def _draft_or_404(slug: str) -> CourseDraft:
    draft = drafts.get_draft(slug)  # the acting centre's only
    if draft is None:
        abort(404)
    return draft


def _language() -> str | None:
    """The language previewed (`?lang=`; default the author's own), None if not one we speak."""
    language = request.args.get("lang", current_language())
    return language if language in LANGUAGES else None


def _banner(draft: CourseDraft, language: str) -> dict[str, Any]:
    """The preview banner, in the author's language (rendered before the page's language is set)."""
    author_language = current_language()
    # The same address in another language (from a quiz's result: a new draw in that language).
    endpoint = request.endpoint or "studio_preview.course"
    args = dict(request.view_args or {})
    return {
        "lang": author_language,
        "dir": "rtl" if is_rtl(author_language) else "ltr",
        "title": _("Preview - nothing is recorded"),
        "hint": _(
            "The draft (revision %(revision)d) as a trainee reading %(language)s sees it. "
            "Nothing you do here is saved: no progress, no attempt, no answer.",
            revision=draft.revision,
            language=Locale.parse(language).get_display_name(author_language),
        ),
        "switch_label": _("Preview in"),
        "back_label": _("Back to the course in the studio"),
        "back_url": url_for("studio.course", slug=draft.slug),
        "language": language,
        "languages": [
            (code, LANGUAGE_NAMES[code], url_for(endpoint, **{**args, "lang": code}))
            for code in LANGUAGES
        ],
    }


def _page(
    template: str, draft: CourseDraft, language: str, status: int = 200, **context: Any
) -> tuple[str, int]:
    banner = _banner(draft, language)
    with force_locale(language):
        return render_template(
            template, draft=draft, preview=banner, language=language, **context
        ), status


def _package(draft: CourseDraft, language: str) -> CoursePackage | tuple[str, int]:
    """The draft's validated package, or the page with the validator's report."""
    found = preview.read_draft(draft)
    if isinstance(found, list):
        banner = _banner(draft, language)  # the report is for the author: in their language
        return render_template(
            "studio/preview_report.html", draft=draft, preview=banner, problems=found
        ), 200
    return found


@bp.get("/courses/<slug>/preview")
@author_only
def course(slug: str) -> tuple[str, int]:
    """The draft's course page as a trainee sees it: title, summary, lessons, the quiz's rules."""
    draft = _draft_or_404(slug)
    language = _language()
    if language is None:
        return render_error(400, _("This language is not available."))
    package = _package(draft, language)
    if not isinstance(package, CoursePackage):
        return package
    return _page(
        "studio/preview_course.html",
        draft,
        language,
        course=preview.course_view(package, language),
    )


@bp.get("/courses/<slug>/preview/lessons/<lesson_slug>")
@author_only
def lesson(slug: str, lesson_slug: str) -> tuple[str, int]:
    """A lesson of the draft as a trainee sees it (same renderer, same fallback notice)."""
    draft = _draft_or_404(slug)
    language = _language()
    if language is None:
        return render_error(400, _("This language is not available."))
    package = _package(draft, language)
    if not isinstance(package, CoursePackage):
        return package
    view = preview.lesson_view(package, lesson_slug, language)
    if view is None:
        abort(404)
    return _page(
        "studio/preview_lesson.html",
        draft,
        language,
        course=preview.course_view(package, language),
        view=view,
    )


@bp.get("/courses/<slug>/preview/lessons/media/<path:name>")
@author_only
def media(slug: str, name: str) -> Response:
    """An image of the draft's package (lessons point at media/ beside them, as for trainees)."""
    return draft_image(_draft_or_404(slug), name)


def _quiz_page(
    draft: CourseDraft,
    package: CoursePackage,
    language: str,
    seed: int,
    status: int = 200,
    answers: dict[int, list[str]] | None = None,
    error: str | None = None,
) -> tuple[str, int]:
    quiz = preview.draw_quiz(package, language, seed)
    per_standard = package.quiz["questions_per_standard"]
    threshold = package.quiz.get("standard_threshold")
    return _page(
        "studio/preview_quiz.html",
        draft,
        language,
        status,
        course=preview.course_view(package, language),
        quiz=quiz,
        answers=answers or {},
        error=error,
        per_standard=per_standard,
        per_standard_needed=needed(per_standard, threshold) if threshold else None,
        form=PreviewQuizForm(formdata=None, seed=seed, revision=draft.revision),
    )


@bp.get("/courses/<slug>/preview/quiz")
@author_only
def quiz(slug: str) -> tuple[str, int]:
    """A quiz drawn from the draft as a trainee's first attempt would be (a new draw each time)."""
    draft = _draft_or_404(slug)
    language = _language()
    if language is None:
        return render_error(400, _("This language is not available."))
    package = _package(draft, language)
    if not isinstance(package, CoursePackage):
        return package
    return _quiz_page(draft, package, language, preview.new_seed())


@bp.post("/courses/<slug>/preview/quiz")
@author_only
def submit(slug: str) -> tuple[str, int]:
    """Score the preview quiz's answers as an attempt would be scored and show the result with
    the explanations; nothing is recorded."""
    draft = _draft_or_404(slug)
    language = _language()
    if language is None:
        return render_error(400, _("This language is not available."))
    form = PreviewQuizForm()
    if not form.validate_on_submit():
        abort(400)
    package = _package(draft, language)
    if not isinstance(package, CoursePackage):
        return package
    if form.revision.data != draft.revision:
        return _quiz_page(
            draft,
            package,
            language,
            preview.new_seed(),
            409,
            error=_(
                "The draft was changed since these questions were drawn. Here is a new draw from "
                "the current draft."
            ),
        )
    quiz = preview.draw_quiz(package, language, form.seed.data)
    answers = {
        item.position: request.form.getlist(f"q{item.position}") for item in quiz.sheet.items
    }
    try:
        with force_locale(language):  # the trainee's message, in the language previewed
            preview.check_answers(quiz, answers)
    except QuizError as error:
        return _quiz_page(
            draft, package, language, form.seed.data, 400, answers=answers, error=str(error)
        )
    result, rows = preview.score(quiz, answers)
    return _page(
        "studio/preview_result.html",
        draft,
        language,
        course=preview.course_view(package, language),
        quiz=quiz,
        result=result,
        rows=rows,
        lessons_for=preview.lessons_for(package, result.weak_standards, language),
    )
