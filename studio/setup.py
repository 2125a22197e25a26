"""The studio in an app: its pages (for course authors) and the `flask courses load` command."""

from __future__ import annotations

from flask import Flask

from lms.blueprints import register_blueprints
from lms.cli import add_commands
from studio.cli import courses_cli
from studio.lessons_views import bp as lessons_bp
from studio.views import bp


def init_app(app: Flask, prefix: str) -> set[str]:
    """Register the domain (see lms.Domain)."""
    add_commands(app, courses_cli)
    blueprints = [
        (bp, "/studio"),
        (lessons_bp, "/studio"),  # the details, lessons and images editors
    ]
    return register_blueprints(app, prefix, blueprints)
