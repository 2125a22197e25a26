"""Baseline for bench/quiz_load.py: a bare Flask app that renders a captured quiz question page.

Served by gunicorn as `bare_quiz_app:create_app()` from bench/; BARE_TEMPLATE names the file with
the captured page, turned into a Jinja template by quiz_load.py. No database, session or auth.
Flask's render_template_string compiles its source on every call (about 1.6 ms for this page),
while the LMS renders cached compiled templates; so by default each source is compiled once, and
BARE_RECOMPILE=1 keeps Flask's compile-every-call behaviour.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, render_template_string
from flask.templating import Environment
from jinja2 import Template

TOTAL_QUESTIONS = 12


class CompileOnceEnvironment(Environment):
    """Flask's Jinja environment, compiling each template string once (like file templates)."""

    def __init__(self, app: Flask, **options: Any) -> None:
        super().__init__(app, **options)
        self.compiled: dict[str, Template] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Template:  # noqa: A002
        """The compiled template of this source, compiled on first use."""
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        if source not in self.compiled:
            self.compiled[source] = super().from_string(source)
        return self.compiled[source]


class BareFlask(Flask):
    """Flask with the compile-once environment."""

    jinja_environment = CompileOnceEnvironment


def create_app() -> Flask:
    """The bare app: one route, the same path as the LMS's question page."""
    recompile = os.environ.get("BARE_RECOMPILE") == "1"
    app = (Flask if recompile else BareFlask)(__name__, static_folder=None)
    source = Path(os.environ["BARE_TEMPLATE"]).read_text(encoding="utf-8")

    @app.get("/assessments/attempts/<int:attempt_id>/questions/<int:position>")
    def question(attempt_id: int, position: int) -> str:
        """The captured question page, rendered with a few variables."""
        return render_template_string(
            source,
            attempt_id=attempt_id,
            position=position,
            total=TOTAL_QUESTIONS,
            minutes_left=29,
            csrf_token=secrets.token_urlsafe(32),
        )

    @app.get("/healthz")
    def healthz() -> str:
        """Ready probe."""
        return "ok"

    return app
