"""The studio in an app: the `flask courses load` command."""

from __future__ import annotations

from flask import Flask

from lms.cli import add_commands
from studio.cli import courses_cli


def init_app(app: Flask, prefix: str) -> set[str]:
    """Register the domain (see lms.Domain); it has no pages yet."""
    add_commands(app, courses_cli)
    return set()
