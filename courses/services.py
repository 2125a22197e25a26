"""Course logic: the catalog a user sees, enrolment, lesson progress, resume and the unlock rule."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from accounts.models import User
from courses.models import Course, CoursePack, Enrolment, Lesson, LessonProgress, LessonText
from lms import audit
from lms.db import db, utcnow
from lms.events import course_launched, sender
from lms.i18n import is_rtl

log = logging.getLogger(__name__)


class CourseError(ValueError):
    """A course action the user asked for that cannot be done (message already translated)."""


@dataclass(frozen=True)
class CourseProgress:
    """Where a learner stands in a course."""

    course: Course
    enrolment: Enrolment | None
    completed_lesson_ids: frozenset[int]

    @property
    def lessons(self) -> list[Lesson]:
        return self.course.current_lessons

    @property
    def done(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.id in self.completed_lesson_ids)

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def all_lessons_complete(self) -> bool:
        """The unlock rule: the course's assessment opens only when every lesson is complete."""
        return self.total > 0 and self.done == self.total

    def is_complete(self, lesson: Lesson) -> bool:
        return lesson.id in self.completed_lesson_ids

    @property
    def resume_lesson(self) -> Lesson | None:
        """The lesson to open next: the last one opened if unfinished, else the first unfinished."""
        last = self.enrolment.last_lesson_id if self.enrolment else None
        for lesson in self.lessons:
            if lesson.id == last and not self.is_complete(lesson):
                return lesson
        return next((lesson for lesson in self.lessons if not self.is_complete(lesson)), None)


def get_course(slug: str) -> Course | None:
    """A course by its slug."""
    return db.session.scalars(select(Course).where(Course.slug == slug)).one_or_none()


def all_courses() -> list[Course]:
    """Every loaded course, by slug."""
    return list(db.session.scalars(select(Course).order_by(Course.slug)))


def enrolment_for(user: User, course: Course) -> Enrolment | None:
    """The user's enrolment in a course, if any."""
    return db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    ).one_or_none()


def enrol(user: User, course: Course, by: User | None = None) -> Enrolment:
    """Enrol a trainee (idempotent); self-enrolment only in open courses."""
    existing = enrolment_for(user, course)
    if existing is not None:
        return existing
    if user.role != "trainee":
        raise CourseError(_("Only trainees can be enrolled in a course."))
    if by is None and not course.is_open:
        raise CourseError(_("This course is not open for enrolment. Ask your trainer."))
    enrolment = Enrolment(
        user_id=user.id, course_id=course.id, enrolled_by_id=by.id if by else None
    )
    try:
        with db.session.begin_nested():
            db.session.add(enrolment)
    except IntegrityError:
        # A concurrent request (a double click, two launches from a platform) enrolled first.
        existing = enrolment_for(user, course)
        if existing is None:
            raise
        return existing
    audit.record(
        "course.enrolled",
        "enrolment",
        enrolment.id,
        (by or user).id,
        course=course.slug,
        user=user.id,
    )
    if by is None:
        course_launched.send(sender(), user=user, course=course, via="web")
    return enrolment


def _completed_ids(user_id: int, lessons: list[Lesson]) -> frozenset[int]:
    # A completion counts only for the lesson text it was made on (see Lesson.content_hash).
    wanted = {(lesson.id, lesson.content_hash) for lesson in lessons}
    rows = db.session.execute(
        select(LessonProgress.lesson_id, LessonProgress.content_hash).where(
            LessonProgress.user_id == user_id,
            LessonProgress.lesson_id.in_([lesson.id for lesson in lessons]),
        )
    ).all()
    return frozenset(
        lesson_id for lesson_id, content_hash in rows if (lesson_id, content_hash) in wanted
    )


def progress_in(user: User, course: Course) -> CourseProgress:
    """The user's progress in one course."""
    return CourseProgress(
        course, enrolment_for(user, course), _completed_ids(user.id, course.current_lessons)
    )


def courses_for_trainee(user: User) -> list[CourseProgress]:
    """The trainee's enrolled courses with their progress (for the home page)."""
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.enrolled_at)
    ).all()
    lessons = [lesson for e in enrolments for lesson in e.course.current_lessons]
    completed = _completed_ids(user.id, lessons)
    return [CourseProgress(e.course, e, completed) for e in enrolments]


def find_lesson(course: Course, lesson_slug: str) -> Lesson | None:
    """A current lesson of a course by its slug."""
    return next((lesson for lesson in course.current_lessons if lesson.slug == lesson_slug), None)


@dataclass(frozen=True)
class LessonTitle:
    """A lesson's title as shown to a reader: in their language, or in English (`language` says
    which, so that a page can mark the fallback with lang and dir)."""

    text: str
    language: str


def lesson_titles(lessons: list[Lesson], language: str) -> dict[int, LessonTitle]:
    """Lesson id -> its title in `language`, English where it has none, in one query that reads
    titles only (not the lessons' texts in every language)."""
    ids = {lesson.id for lesson in lessons}
    if not ids:
        return {}
    rows = db.session.execute(
        select(LessonText.lesson_id, LessonText.language, LessonText.title).where(
            LessonText.lesson_id.in_(ids), LessonText.language.in_({language, "en"})
        )
    ).all()
    titles: dict[int, LessonTitle] = {}
    for lesson_id, text_language, title in rows:
        if text_language == language or lesson_id not in titles:
            titles[lesson_id] = LessonTitle(title, text_language)
    return titles


def neighbours(course: Course, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    """The previous and next lessons."""
    lessons = course.current_lessons
    index = lessons.index(lesson)
    return (
        lessons[index - 1] if index > 0 else None,
        lessons[index + 1] if index + 1 < len(lessons) else None,
    )


def record_visit(enrolment: Enrolment, lesson: Lesson) -> None:
    """Remember the lesson the learner opened, to resume there."""
    enrolment.last_lesson_id = lesson.id
    enrolment.last_visited_at = utcnow()


def complete_lesson(user: User, enrolment: Enrolment, lesson: Lesson, language: str) -> bool:
    """Record that the learner completed this lesson text; False if it was already recorded."""
    exists = db.session.scalar(
        select(LessonProgress.id).where(
            LessonProgress.user_id == user.id,
            LessonProgress.lesson_id == lesson.id,
            LessonProgress.content_hash == lesson.content_hash,
        )
    )
    if exists:
        return False
    db.session.add(
        LessonProgress(
            user_id=user.id,
            lesson_id=lesson.id,
            content_hash=lesson.content_hash,
            course_version=enrolment.course.version,
            language=language,
        )
    )
    log.info("user %s completed lesson %s/%s", user.id, enrolment.course.slug, lesson.slug)
    return True


def lesson_view(course: Course, lesson: Lesson, language: str) -> dict[str, Any]:
    """Plain values for showing a lesson in a language, with the English fallback marked."""
    text = lesson.text_in(language)
    return {
        "title": text.title,
        "html": text.html,
        "language": text.language,
        "is_fallback": text.language != language,
        "updated_at": text.updated_at,
    }


def stored_pack(course: Course, language: str) -> CoursePack | None:
    """The course's pack PDF in a language, if rendered already for its current content."""
    return db.session.scalars(
        select(CoursePack).where(
            CoursePack.course_id == course.id,
            CoursePack.package_hash == course.package_hash,
            CoursePack.language == language,
        )
    ).one_or_none()


def store_pack(course: Course, package_hash: str, language: str, pdf: bytes) -> None:
    """Keep a rendered pack for the content it was rendered from (the course's earlier packs in
    that language go); a pack another job stored meanwhile stands."""
    if course.package_hash != package_hash:
        return  # the course changed while it rendered: its new content gets its own
    db.session.execute(
        delete(CoursePack).where(
            CoursePack.course_id == course.id,
            CoursePack.language == language,
            CoursePack.package_hash != package_hash,
        )
    )
    pack = CoursePack(course_id=course.id, package_hash=package_hash, language=language, pdf=pdf)
    pack.sha256 = hashlib.sha256(pdf).hexdigest()
    try:
        with db.session.begin_nested():
            db.session.add(pack)
    except IntegrityError:
        log.info("course pack %s/%s was stored by another job", course.slug, language)
        return
    log.info("course pack %s %s/%s stored", course.slug, course.version, language)


def course_pack_context(course: Course, language: str) -> dict[str, Any]:
    """Plain values for the course pack template (never ORM objects)."""

    with force_locale(language):
        labels = {
            "contents": _("Contents"),
            "version": _("Version"),
            "lesson": _("Lesson"),
            "generated": _("Generated on"),
            "fallback_notice": _(
                "This lesson is not yet available in your language. It is shown in English."
            ),
        }
    lessons = []
    for number, lesson in enumerate(course.current_lessons, start=1):
        text = lesson.text_in(language)
        lessons.append(
            {
                "number": number,
                "title": text.title,
                "html": text.html,
                "is_fallback": text.language != language,
                "language": text.language,
                "direction": "rtl" if is_rtl(text.language) else "ltr",
            }
        )
    return {
        "title": course.title_in(language),
        "summary": course.summary_in(language),
        "version": course.version,
        "language": language,
        "direction": "rtl" if is_rtl(language) else "ltr",
        "generated_on": utcnow().date().isoformat(),
        "centre": current_app.config["TRAINING_CENTRE_NAME"],
        "labels": labels,
        "lessons": lessons,
    }
