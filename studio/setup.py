"""The studio in an app: its pages (for course authors) and the `flask courses load` command."""

from __future__ import annotations

from flask import Flask

from lms.blueprints import register_blueprints
from lms.cli import add_commands
from studio.catalog_views import bp as catalog_bp
from studio.cli import courses_cli
from studio.lessons_views import bp as lessons_bp
from studio.new_course_views import bp as new_course_bp
from studio.outcomes_views import bp as outcomes_bp
from studio.preview_views import bp as preview_bp
from studio.questions_views import bp as questions_bp
from studio.translation_views import bp as translations_bp
from studio.views import bp


def init_app(app: Flask, prefix: str) -> set[str]:
    """Register the domain (see lms.Domain)."""
    add_commands(app, courses_cli)
    return register_blueprints(
        app,
        prefix,
        [
            (bp, "/studio"),
            (lessons_bp, "/studio"),  # the details, lessons and images editors
            (questions_bp, "/studio"),
            (catalog_bp, "/studio"),
            (outcomes_bp, "/studio"),
            (translations_bp, "/studio"),
            (preview_bp, "/studio"),
            (new_course_bp, "/studio"),
        ],
    )
