"""The courses domain in an app: the catalog and the lesson player."""

from __future__ import annotations

from typing import Any

from flask import Flask

from accounts.models import User
from courses import records
from courses.services import courses_for_trainee
from courses.views import bp
from lms import hooks
from lms.blueprints import register_blueprints


def trainee_home(user: User) -> dict[str, Any]:
    """The trainee's home page: their courses and progress."""
    return {"courses": courses_for_trainee(user)}


def init_app(app: Flask, prefix: str) -> set[str]:
    """Register the domain (see lms.Domain)."""
    hooks.register(app, "personal_record", records.personal_record)
    hooks.register(app, "home:trainee", trainee_home)
    return register_blueprints(app, prefix, [(bp, "/courses")])
