"""The certificates domain in an app: issuance on completion, pages, public verification."""

from __future__ import annotations

from typing import Any

from flask import Flask

from accounts.models import User
from certificates import records
from certificates.services import connect_signals, expiring_soon, valid_certificates
from certificates.views import bp, verify_bp
from courses.models import Course
from lms import hooks
from lms.blueprints import register_blueprints


def trainee_home(user: User) -> dict[str, Any]:
    """The trainee's home page: certificates that expire soon, and each course's certificate."""
    return {"expiring": expiring_soon(user), "certificates": valid_certificates(user)}


def course_certificate(user: User, course: Course) -> dict[str, Any]:
    """The course page and the quiz result: the certificate in force for this course, if any."""
    if user.role != "trainee":
        return {}
    return {"certificate": valid_certificates(user).get(course.id)}


def init_app(app: Flask, prefix: str) -> set[str]:
    """Register the domain (see lms.Domain)."""
    hooks.register(app, "personal_record", records.personal_record)
    connect_signals()
    hooks.register(app, "home:trainee", trainee_home)
    hooks.register(
        app, "course_page", lambda user, progress: course_certificate(user, progress.course)
    )
    hooks.register(app, "quiz_result", course_certificate)
    return register_blueprints(app, prefix, [(bp, "/certificates"), (verify_bp, "/verify")])
