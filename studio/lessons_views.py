"""Studio editors: a course's details, its lessons (text per language with a preview, standards,
minimum duration, order, removal) and its images. For course authors, inside their centre; every
change goes through studio.drafts.save_draft with the revision the author opened."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from assessments.models import Standard
from courses.rendering import render_markdown, split_title
from lms.access import permission_required
from lms.db import db
from lms.i18n import LANGUAGE_NAMES, current_language
from lms.settings import LANGUAGES, RTL_LANGUAGES
from studio import drafts, editing, images, outcome_fields, pass_rule, publishing
from studio.edit_forms import (
    AddLessonForm,
    DetailsForm,
    ImageForm,
    LessonForm,
    MoveLessonForm,
    RevisionForm,
)
from studio.models import CourseDraft
from studio.package_zip import PackageFiles
from studio.views import _conflict as conflict_page
from studio.views import draft_image

bp = Blueprint("studio_lessons", __name__)
author_only = permission_required("course_author")
QUIZ_KEYS = (
    "questions_per_standard",
    "standard_threshold",
    "time_limit_minutes",
    "max_attempts",
    "cooldown_hours",
)


def _draft_or_404(slug: str) -> CourseDraft:
    draft = drafts.get_draft(slug)  # the acting centre's only: another centre's is not found
    if draft is None:
        abort(404)
    return draft


def _files(draft: CourseDraft) -> tuple[PackageFiles, dict[str, Any]]:
    """The draft's files and its course.yaml; a course.yaml that cannot be edited -> its page."""
    files = drafts.draft_files(draft)
    try:
        return files, editing.read_manifest(files)
    except drafts.StudioError as error:
        flash(str(error), "error")
        abort(redirect(url_for("studio.course", slug=draft.slug)))


def _save(
    draft: CourseDraft, files: PackageFiles, revision: int, what: str
) -> Response | tuple[str, int] | None:
    """Save the changed files; the conflict page when someone saved the draft meanwhile."""
    try:
        drafts.save_draft(draft, files, revision, current_user, what)
    except drafts.StaleDraft as error:
        return conflict_page(draft, error)
    return None


def _standard_titles(codes: list[str]) -> dict[str, str]:
    """The course's standards with their titles in the author's language (one query)."""
    language = current_language()
    rows = db.session.scalars(
        select(Standard).where(Standard.code.in_(codes), Standard.is_current.is_(True))
    )
    titles = {row.code: row.title.get(language) or row.title.get("en", "") for row in rows}
    return {code: titles.get(code, "") for code in codes}


# Course details -----------------------------------------------------------------------------


def _details_page(
    draft: CourseDraft, form: DetailsForm, data: dict[str, Any], status: int = 200, **context: Any
) -> tuple[str, int]:
    version = str(data.get("version", ""))
    published = [v.version for v in publishing.versions_of(draft)]
    context.setdefault("rule", _pass_rule(data))
    return render_template(
        "studio/details.html",
        draft=draft,
        form=form,
        languages=LANGUAGES,
        language_names=LANGUAGE_NAMES,
        rtl=RTL_LANGUAGES,
        version=version,
        next_version=editing.next_version(version),
        version_published=version in published,
        **context,
    ), status


def _pass_rule(data: dict[str, Any]) -> dict[str, Any] | None:
    """What the draft's quiz rule does (the publisher refuses a rule that does not tell a trainee
    who knows the material from one who does not): None when the settings are incomplete."""
    quiz: Any = data.get("quiz")
    standards = data.get("standards")
    try:
        figures = (
            len(standards) if isinstance(standards, list) else 0,
            int(quiz["questions_per_standard"]),
            int(quiz["standard_threshold"]),
            int(data["pass_mark"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    if not figures[0] or not 1 <= figures[1] <= 20:
        return None
    report = pass_rule.check_pass_rule(*figures)
    return {
        "ok": not report.problems,
        "master": format_percent(pass_rule.MASTER),
        "novice": format_percent(pass_rule.NOVICE),
        "master_passes": format_percent(report.master_passes),
        "novice_fails": format_percent(report.novice_fails),
        "need_passes": format_percent(pass_rule.MASTER_PASSES),
        "need_fails": format_percent(pass_rule.NOVICE_FAILS),
    }


@bp.get("/courses/<slug>/details")
@author_only
def details(slug: str) -> tuple[str, int]:
    """The course details form, filled from the draft's course.yaml."""
    draft = _draft_or_404(slug)
    _, data = _files(draft)
    form = DetailsForm(formdata=None, revision=draft.revision)
    for code in LANGUAGES:
        form[f"title_{code}"].data = _text(data.get("title"), code)
        form[f"summary_{code}"].data = _text(data.get("summary"), code)
    form.languages.data = editing.course_languages(data)
    form.version.data = str(data.get("version", ""))
    for key in ("pass_mark", "validity_months"):
        form[key].data = data.get(key)
    quiz = data.get("quiz")
    quiz = quiz if isinstance(quiz, dict) else {}
    for key in QUIZ_KEYS:
        form[key].data = quiz.get(key)
    return _details_page(draft, form, data)


def _text(texts: Any, code: str) -> str:
    return str(texts.get(code) or "") if isinstance(texts, dict) else ""


@bp.post("/courses/<slug>/details")
@author_only
def save_details(slug: str) -> Response | tuple[str, int]:
    """Save the details into course.yaml; field errors shown, nothing saved, when any is wrong."""
    draft = _draft_or_404(slug)
    files, data = _files(draft)
    form = DetailsForm()
    if not form.validate_on_submit():
        return _details_page(draft, form, data, 400)
    version = form.version.data.strip()
    if form.save_and_raise.data:
        version = editing.next_version(version)
    changed = editing.save_details(
        files,
        {
            "title": form.texts("title"),
            "summary": form.texts("summary"),
            "languages": form.languages.data,
            "pass_mark": form.pass_mark.data,
            "validity_months": form.validity_months.data,
            "quiz": {key: form[key].data for key in QUIZ_KEYS},
            "version": version,
        },
    )
    refused = _save(draft, changed, form.revision.data, "details")
    if refused is not None:
        return refused
    flash(_("The course details are saved in the draft."), "success")
    return redirect(url_for("studio_lessons.details", slug=slug))


# Lessons ------------------------------------------------------------------------------------


def _lessons_page(
    draft: CourseDraft, files: PackageFiles, data: dict[str, Any], status: int = 200, **context: Any
) -> tuple[str, int]:
    context.setdefault("add_form", AddLessonForm(formdata=None, revision=draft.revision))
    return render_template(
        "studio/lessons.html",
        draft=draft,
        lessons=editing.lessons(files),
        course_languages=editing.course_languages(data),
        languages=LANGUAGES,
        language_names=LANGUAGE_NAMES,
        move_form=MoveLessonForm(formdata=None, revision=draft.revision),
        **context,
    ), status


@bp.get("/courses/<slug>/lessons")
@author_only
def lessons(slug: str) -> tuple[str, int]:
    """The lessons in order with the languages each is written in; add, move, remove."""
    draft = _draft_or_404(slug)
    files, data = _files(draft)
    return _lessons_page(draft, files, data)


@bp.post("/courses/<slug>/lessons")
@author_only
def add_lesson(slug: str) -> Response | tuple[str, int]:
    """A new lesson at the end, with its English title; then its editor."""
    draft = _draft_or_404(slug)
    files, data = _files(draft)
    form = AddLessonForm()
    if not form.validate_on_submit():
        return _lessons_page(draft, files, data, 400, add_form=form)
    try:
        changed = editing.add_lesson(files, form.slug.data, form.title.data)
    except drafts.StudioError as error:
        form.slug.errors = [str(error)]
        return _lessons_page(draft, files, data, 400, add_form=form)
    refused = _save(draft, changed, form.revision.data, f"lesson {form.slug.data} added")
    if refused is not None:
        return refused
    flash(_("The lesson is added at the end of the course."), "success")
    return redirect(
        url_for("studio_lessons.edit_lesson", slug=slug, lesson=form.slug.data, language="en")
    )


@bp.post("/courses/<slug>/lessons/<lesson>/move")
@author_only
def move_lesson(slug: str, lesson: str) -> Response | tuple[str, int]:
    """Move a lesson one place up or down (its files are renamed with it)."""
    draft = _draft_or_404(slug)
    files, _data = _files(draft)
    form = MoveLessonForm()
    if not form.validate_on_submit():
        abort(400)
    if editing.find_lesson(files, lesson) is None:
        abort(404)
    changed = editing.move_lesson(files, lesson, -1 if form.direction.data == "up" else 1)
    refused = _save(draft, changed, form.revision.data, f"lesson {lesson} moved")
    if refused is not None:
        return refused
    return redirect(url_for("studio_lessons.lessons", slug=slug) + f"#lesson-{lesson}")


@bp.get("/courses/<slug>/lessons/<lesson>/remove")
@author_only
def confirm_remove(slug: str, lesson: str) -> str:
    """Ask before a lesson is removed with its texts in every language."""
    draft = _draft_or_404(slug)
    files, _data = _files(draft)
    row = editing.find_lesson(files, lesson)
    if row is None:
        abort(404)
    return render_template(
        "studio/remove_lesson.html",
        draft=draft,
        lesson=row,
        form=RevisionForm(formdata=None, revision=draft.revision),
    )


@bp.post("/courses/<slug>/lessons/<lesson>/remove")
@author_only
def remove_lesson(slug: str, lesson: str) -> Response | tuple[str, int]:
    """Remove a lesson and its files; the lessons after it move up."""
    draft = _draft_or_404(slug)
    files, _data = _files(draft)
    form = RevisionForm()
    if not form.validate_on_submit():
        abort(400)
    if editing.find_lesson(files, lesson) is None:
        abort(404)
    changed = editing.remove_lesson(files, lesson)
    refused = _save(draft, changed, form.revision.data, f"lesson {lesson} removed")
    if refused is not None:
        return refused
    flash(_("The lesson %(slug)s is removed from the draft.", slug=lesson), "success")
    return redirect(url_for("studio_lessons.lessons", slug=slug))


def _editor(
    draft: CourseDraft,
    files: PackageFiles,
    data: dict[str, Any],
    row: editing.LessonRow,
    language: str,
    form: LessonForm,
    status: int = 200,
    **context: Any,
) -> tuple[str, int]:
    context.setdefault(
        "outcomes",
        outcome_fields.choices(row.outcomes, current_language(), outcome_fields.used_in(files)),
    )
    return render_template(
        "studio/lesson_edit.html",
        draft=draft,
        lesson=row,
        language=language,
        form=form,
        course_languages=editing.course_languages(data),
        languages=LANGUAGES,
        language_names=LANGUAGE_NAMES,
        rtl=RTL_LANGUAGES,
        media=sorted(name for name in files if name.startswith("media/")),
        **context,
    ), status


def _with_standards(form: LessonForm, data: dict[str, Any]) -> LessonForm:
    """The form with the course's standards to choose from."""
    titles = _standard_titles([str(code) for code in data.get("standards") or ()])
    form.standards.choices = [
        SelectChoice(code, f"{code} · {title}" if title else code) for code, title in titles.items()
    ]
    return form


@bp.get("/courses/<slug>/lessons/<lesson>/<language>")
@author_only
def edit_lesson(slug: str, lesson: str, language: str) -> tuple[str, int]:
    """A lesson's Markdown in one language, with its standards and minimum duration."""
    draft = _draft_or_404(slug)
    files, data = _files(draft)
    row = editing.find_lesson(files, lesson)
    if row is None or language not in LANGUAGES:
        abort(404)
    text = editing.lesson_text(files, row, language)
    if text is None:  # a translation to start: from the lesson's title line
        text = f"# {row.titles.get(language, '')}\n" if language in row.titles else "# \n"
    form = LessonForm(
        formdata=None,
        revision=draft.revision,
        text=text,
        standards=list(row.standards),
        minutes=row.minutes,
    )
    _with_standards(form, data)
    return _editor(draft, files, data, row, language, form)


@bp.post("/courses/<slug>/lessons/<lesson>/<language>")
@author_only
def save_lesson(slug: str, lesson: str, language: str) -> Response | tuple[str, int]:
    """Preview (nothing saved) or save a lesson's text; refused, nothing saved, when its Markdown
    breaks the loader's rules."""
    draft = _draft_or_404(slug)
    files, data = _files(draft)
    row = editing.find_lesson(files, lesson)
    if row is None or language not in LANGUAGES:
        abort(404)
    form = _with_standards(LessonForm(), data)
    sent = request.form.getlist(outcome_fields.FIELD)
    outcomes, outcome_problems = outcome_fields.read(request.form.getlist)
    ticks = {
        "outcomes": outcome_fields.choices(sent, current_language(), outcome_fields.used_in(files)),
        "outcome_problems": outcome_problems,
    }
    if not form.validate_on_submit():
        return _editor(draft, files, data, row, language, form, 400, **ticks)
    text = editing.normalise(form.text.data or "")
    problems = editing.markdown_problems(text, files) if text.strip() else []
    if form.preview.data or problems or outcome_problems:
        status = 400 if (problems or outcome_problems) and not form.preview.data else 200
        return _editor(
            draft,
            files,
            data,
            row,
            language,
            form,
            status,
            problems=problems,
            preview=_preview(draft, text),
            **ticks,
        )
    try:
        changed = editing.save_lesson(
            files, lesson, language, text, form.standards.data or [], form.minutes.data, outcomes
        )
    except drafts.StudioError as error:
        return _editor(draft, files, data, row, language, form, 400, error=str(error))
    refused = _save(draft, changed, form.revision.data, f"lesson {lesson} ({language})")
    if refused is not None:
        return refused
    flash(_("The lesson is saved in the draft."), "success")
    return redirect(
        url_for("studio_lessons.edit_lesson", slug=slug, lesson=lesson, language=language)
    )


def _preview(draft: CourseDraft, text: str) -> dict[str, Any]:
    """The lesson as trainees see it: the same renderer and sanitiser as the loader's."""
    title, body = split_title(text)
    media_url = url_for("studio_lessons.media_file", slug=draft.slug, name="_")[:-1]
    return {"title": title, "html": Markup(render_markdown(body, media_url=media_url))}  # noqa: S704 (sanitised by nh3)


# Images -------------------------------------------------------------------------------------


def _images_page(
    draft: CourseDraft, files: PackageFiles, status: int = 200, **context: Any
) -> tuple[str, int]:
    context.setdefault("form", ImageForm(formdata=None, revision=draft.revision))
    return render_template(
        "studio/images.html",
        draft=draft,
        media=sorted(name for name in files if name.startswith("media/")),
        sizes={name: len(data) for name, data in files.items()},
        **context,
    ), status


@bp.get("/courses/<slug>/images")
@author_only
def images_page(slug: str) -> tuple[str, int]:
    """The course's images with the Markdown that shows each; upload one."""
    draft = _draft_or_404(slug)
    files, _data = _files(draft)
    return _images_page(draft, files)


@bp.post("/courses/<slug>/images")
@author_only
def upload_image(slug: str) -> Response | tuple[str, int]:
    """Check and re-encode an uploaded image into the draft's media/; refused, nothing written,
    when it is not the image its name says or is too large."""
    draft = _draft_or_404(slug)
    files, _data = _files(draft)
    form = ImageForm()
    if not form.validate_on_submit():
        return _images_page(draft, files, 400, form=form)
    upload = form.image.data
    with upload.stream:  # a large upload is spooled to a temporary file: closed once read
        data = upload.stream.read(images.MAX_UPLOAD_BYTES + 1)
    try:
        changed, path = images.add_image(files, upload.filename or "", data)
    except drafts.StudioError as error:
        form.image.errors = [str(error)]
        return _images_page(draft, files, 400, form=form)
    refused = _save(draft, changed, form.revision.data, f"image {path}")
    if refused is not None:
        return refused
    flash(_("The image is saved in the draft as %(path)s.", path=path), "success")
    return redirect(url_for("studio_lessons.images_page", slug=slug, added=path))


@bp.get("/courses/<slug>/media/<path:name>")
@author_only
def media_file(slug: str, name: str) -> Response:
    """An image of the draft (for the editor's preview), served so that it can only be an image."""
    return draft_image(_draft_or_404(slug), name)
