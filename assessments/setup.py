"""The assessments domain in an app: quizzes, and what the course page says of the assessment."""

from __future__ import annotations

from typing import Any

from flask import Flask

from accounts.models import User
from assessments import records
from assessments.completion import completion_status
from assessments.views import bp
from courses.services import CourseProgress
from lms import hooks
from lms.blueprints import register_blueprints


def course_page(user: User, progress: CourseProgress) -> dict[str, Any]:
    """For an enrolled trainee, what is done and missing to complete the course."""
    if user.role != "trainee" or progress.enrolment is None:
        return {}
    return {"completion": completion_status(user, progress.course)}


def init_app(app: Flask, prefix: str) -> set[str]:
    """Register the domain (see lms.Domain)."""
    hooks.register(app, "personal_record", records.personal_record)
    hooks.register(app, "course_page", course_page)
    return register_blueprints(app, prefix, [(bp, "/assessments")])
