"""Course pages: catalog, enrolment, course page, lesson player, progress, media, offline pack."""

from __future__ import annotations

import hashlib

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from werkzeug.wrappers import Response

from courses import services
from courses.forms import EmptyForm, PackForm
from courses.models import Course, CourseMedia, Lesson
from courses.tasks import pack_job, start_pack
from lms import hooks
from lms.access import role_required, signed_in
from lms.db import db
from lms.errors import render_error
from lms.i18n import current_language

bp = Blueprint("courses", __name__)


def _course_or_404(slug: str) -> Course:
    course = services.get_course(slug)
    if course is None:
        abort(404)
    return course


def _lesson_or_404(course: Course, lesson_slug: str) -> Lesson:
    lesson = services.find_lesson(course, lesson_slug)
    if lesson is None:
        abort(404)
    return lesson


@bp.get("/")
@signed_in
def catalog() -> str:
    """Every course, with the trainee's enrolment and progress."""
    courses = services.all_courses()
    progress = {}
    if current_user.role == "trainee":
        progress = {p.course.id: p for p in services.courses_for_trainee(current_user)}
    return render_template(
        "courses/catalog.html", courses=courses, progress=progress, form=EmptyForm()
    )


@bp.post("/<slug>/enrol")
@role_required("trainee")
def enrol(slug: str) -> Response:
    """A trainee enrols in an open course."""
    course = _course_or_404(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.enrol(current_user, course)
    except services.CourseError as error:
        flash(str(error), "error")
        return redirect(url_for("courses.course", slug=slug))
    flash(_("You are enrolled. Start with the first lesson."), "success")
    return redirect(url_for("courses.course", slug=slug))


@bp.get("/<slug>")
@signed_in
def course(slug: str) -> str:
    """The course page: lessons with their status, progress, resume and the assessment."""
    course = _course_or_404(slug)
    progress = services.progress_in(current_user, course)
    language = current_language()
    return render_template(
        "courses/course.html",
        course=course,
        progress=progress,
        language=language,
        form=EmptyForm(),
        pack_form=PackForm(formdata=None, lang=language),
        # What the assessments say of this course for this person (the completion status).
        **hooks.merged("course_page", current_user, progress),
    )


@bp.get("/<slug>/lessons/<lesson_slug>")
@signed_in
def lesson(slug: str, lesson_slug: str) -> Response:
    """A lesson, with previous/next, progress and "mark as complete"; cached by validators."""
    course = _course_or_404(slug)
    lesson = _lesson_or_404(course, lesson_slug)
    progress = services.progress_in(current_user, course)
    if current_user.role == "trainee" and progress.enrolment is None:
        flash(_("Enrol in the course to open its lessons."), "info")
        return redirect(url_for("courses.course", slug=slug))
    language = current_language()
    view = services.lesson_view(course, lesson, language)
    etag = _lesson_etag(course, lesson, language, progress)
    if etag in request.if_none_match and not session.get("_flashes"):
        return Response(
            status=304, headers={"ETag": f'"{etag}"', "Cache-Control": "private, no-cache"}
        )
    if progress.enrolment is not None:
        services.record_visit(progress.enrolment, lesson)
    previous, following = services.neighbours(course, lesson)
    response = make_response(
        render_template(
            "courses/lesson.html",
            course=course,
            lesson=lesson,
            view=view,
            progress=progress,
            previous=previous,
            following=following,
            language=language,
            form=EmptyForm(),
        )
    )
    response.set_etag(etag)
    response.last_modified = view["updated_at"]
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _lesson_etag(
    course: Course, lesson: Lesson, language: str, progress: services.CourseProgress
) -> str:
    # Everything the page shows depends on these; the CSRF secret keeps the cached form valid.
    generate_csrf()  # make sure the session's CSRF secret exists before it goes into the tag
    parts = [
        current_user.id,
        course.package_hash,
        lesson.id,
        language,
        progress.done,
        progress.is_complete(lesson),
        progress.enrolment is not None,
        session.get("csrf_token", ""),
    ]
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


@bp.post("/<slug>/lessons/<lesson_slug>/complete")
@role_required("trainee")
def complete(slug: str, lesson_slug: str) -> Response:
    """Mark a lesson as complete, then go to the next lesson (or back to the course)."""
    course = _course_or_404(slug)
    lesson = _lesson_or_404(course, lesson_slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    enrolment = services.enrolment_for(current_user, course)
    if enrolment is None:
        abort(403)
    services.complete_lesson(current_user, enrolment, lesson, current_language())
    following = services.neighbours(course, lesson)[1]
    if following is not None:
        return redirect(url_for("courses.lesson", slug=slug, lesson_slug=following.slug))
    flash(_("You have completed every lesson of this course."), "success")
    return redirect(url_for("courses.course", slug=slug))


@bp.get("/<slug>/lessons/media/<path:name>")
@signed_in
def media(slug: str, name: str) -> Response:
    """An image of a course package."""
    course = _course_or_404(slug)
    item = db.session.scalars(
        select(CourseMedia).where(CourseMedia.course_id == course.id, CourseMedia.path == name)
    ).one_or_none()
    if item is None:
        abort(404)
    response = make_response(item.data)
    response.mimetype = item.mimetype
    response.set_etag(item.sha256)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response.make_conditional(request)


@bp.get("/<slug>/pack.pdf")
@signed_in
def pack(slug: str) -> Response | str | tuple[str, int]:
    """The whole course as one PDF in a chosen language, for a classroom without a connection:
    rendered by a job on the first request for each content and language, then stored."""
    course = _course_or_404(slug)
    form = PackForm(request.args)
    if not form.validate():
        return render_error(400, _("This language is not available."))
    language = form.lang.data
    stored = services.stored_pack(course, language)
    if stored is None:
        # One render per pack: a second click (or someone else's) finds the job under way.
        job = pack_job(course, language) or start_pack(course, language, current_user)
        if job.started_by_id == current_user.id:
            return redirect(url_for("jobs.show", job_id=job.id), 303)
        return render_template("courses/pack_waiting.html", course=course), 202
    response = make_response(stored.pdf)
    response.mimetype = "application/pdf"
    filename = f"{course.slug}-{course.version}-{language}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.set_etag(stored.sha256)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response.make_conditional(request)
