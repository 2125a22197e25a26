"""The courses' part of a person's own record: enrolments and completed lessons."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from accounts.models import User
from courses.models import Enrolment, Lesson, LessonProgress
from lms.db import db


def courses_record(user: User) -> list[dict[str, Any]]:
    """Each enrolment with the lessons completed in it."""
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.enrolled_at)
    ).all()
    progress = db.session.execute(
        select(Lesson.course_id, Lesson.slug, LessonProgress)
        .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
        .where(LessonProgress.user_id == user.id)
        .order_by(LessonProgress.completed_at)
    ).all()
    return [
        {
            "course": enrolment.course.title_in(user.preferred_language),
            "enrolled_at": enrolment.enrolled_at.isoformat(),
            "lessons_completed": [
                {
                    "lesson": slug,
                    "completed_at": done.completed_at.isoformat(),
                    "course_version": done.course_version,
                }
                for course_id, slug, done in progress
                if course_id == enrolment.course_id
            ],
        }
        for enrolment in enrolments
    ]


def personal_record(user: User) -> dict[str, Any]:
    """This domain's sections of a person's own record (the `personal_record` extension point)."""
    return {
        "courses": courses_record(user),
    }
