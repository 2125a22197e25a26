"""Courses loaded from packages, their lessons and texts, enrolments and lesson progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow
from lms.scope import CentreOwned


class Course(CentreOwned, Base):
    """A course as last loaded from its package: bundled (shared by every centre) or a centre's own."""

    SHARED_WHEN_UNOWNED = True

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[str] = mapped_column(String(32))
    package_hash: Mapped[str] = mapped_column(String(64))
    languages: Mapped[list[str]] = mapped_column(JSON)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    summary: Mapped[dict[str, str]] = mapped_column(JSON)
    standards: Mapped[list[str]] = mapped_column(JSON)
    pass_mark: Mapped[int]
    validity_months: Mapped[int]
    quiz: Mapped[dict[str, int]] = mapped_column(JSON)
    practicals: Mapped[list[str]] = mapped_column(JSON)
    is_open: Mapped[bool] = mapped_column(default=True)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position", lazy="selectin"
    )

    def title_in(self, language: str) -> str:
        """The title in a language, English when it has none."""
        return self.title.get(language) or self.title["en"]

    def summary_in(self, language: str) -> str:
        """The summary in a language, English when it has none."""
        return self.summary.get(language) or self.summary["en"]

    @property
    def current_lessons(self) -> list[Lesson]:
        """The lessons of the loaded version, in order."""
        return [lesson for lesson in self.lessons if lesson.is_current]


class CourseVersion(Base):
    """Each version of a course ever loaded, with its manifest: append-only."""

    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    version: Mapped[str] = mapped_column(String(32))
    package_hash: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Lesson(Base):
    """A lesson of a course; lessons dropped from a new version are kept, not current."""

    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]
    standards: Mapped[list[str]] = mapped_column(JSON)
    # Fingerprint of the English reference text: progress is kept while it is unchanged.
    content_hash: Mapped[str] = mapped_column(String(64))
    # The minimum duration in minutes the course plan gives the lesson (shown to trainees).
    minutes: Mapped[int | None]
    is_current: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship(back_populates="lessons")
    # Loaded when a text is shown, not with every lesson: progress checks need no texts.
    texts: Mapped[list[LessonText]] = relationship(back_populates="lesson", lazy="select")

    def text_in(self, language: str) -> LessonText:
        """The text in a language, or the English text when there is no translation."""
        by_language = {text.language: text for text in self.texts}
        return by_language.get(language) or by_language["en"]


class LessonText(Base):
    """A lesson in one language, rendered and sanitised at load time."""

    __tablename__ = "lesson_texts"
    __table_args__ = (UniqueConstraint("lesson_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    html: Mapped[str] = mapped_column(Text)
    words: Mapped[int]
    source_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    lesson: Mapped[Lesson] = relationship(back_populates="texts")


class CourseMedia(Base):
    """A small image of a course package, stored so every app server can serve it."""

    __tablename__ = "course_media"
    __table_args__ = (UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))


class CoursePack(Base):
    """A course's offline pack PDF in one language, rendered once for each content of the course
    (a cache every app server shares: rendered again whenever the course changes)."""

    __tablename__ = "course_packs"
    __table_args__ = (UniqueConstraint("course_id", "package_hash", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    package_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Enrolment(Base):
    """A trainee enrolled in a course, by themself or by a trainer."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Where to resume: the last lesson opened (a convenience, not a record of proof).
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id"))
    last_visited_at: Mapped[datetime | None]
    # When the course's completion was last announced (course_completed): once per completion,
    # again only when the previous one has expired (assessments.completion).
    completed_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship()


class LessonProgress(Base):
    """A lesson marked complete, with when, in which version and language: append-only."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    course_version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
