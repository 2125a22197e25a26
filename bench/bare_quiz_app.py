"""Baselines for bench/quiz_load.py: bare Flask apps serving the LMS's quiz question page.

Served by gunicorn as `bare_quiz_app:create_app()` from bench/, in one of three modes (BARE_MODE):

- `rendered` (the baseline the ratio target is judged against): Flask + Jinja render the LMS's own
  templates (assessments/question.html on base.html) from the same data as the LMS: the attempt's
  served questions, its answers, the trainee's language and catalogue, the same URLs. What it
  leaves out is everything that is not rendering: the database, the session and sign-in, the CSRF
  check, compression. quiz_load.py checks that it gives the LMS's page byte for byte (apart from the
  CSRF token) before the bench starts. BARE_CONTEXT names the JSON file with that data.
- `reads`: the rendered page plus the two reads the LMS's page makes (the signed-in user, then the
  attempt's state and answers), sent as the very SQL the LMS's statements compile to, with plain
  psycopg on one connection per thread, in a transaction as the LMS does (BEGIN, two SELECTs,
  COMMIT), and the page rendered from the answers read. No ORM, no session cookie, no CSRF,
  no compression: how fast a page can be that needs the database as the LMS's does, printed for
  comparison. BARE_CONTEXT as for `rendered`; BARE_DSN names the database (psycopg's form).
- `captured`: the page the LMS served, captured once and turned into a template with five variables
  (token, attempt, position, total, minutes). Almost no rendering is left, so it is an upper bound
  for any Flask page of this size; quiz_load.py prints the ratio against it too. BARE_TEMPLATE names
  the file, BARE_TOTAL the attempt's number of questions. Flask's render_template_string compiles its source on every call (about 1.6 ms for
  this page), while the LMS renders cached compiled templates; so by default each source is
  compiled once, and BARE_RECOMPILE=1 keeps Flask's compile-every-call behaviour.

None imports the LMS: rendering needs only Flask, Jinja and Babel's catalogue reader, and the
reads mode psycopg.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from babel.support import Translations
from flask import Flask, abort, g, render_template, render_template_string, request
from flask.templating import Environment
from jinja2 import Template

QUESTION_RULE = "/assessments/attempts/<int:attempt_id>/questions/<int:position>"


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
    """The bare app of the mode BARE_MODE names (default: rendered)."""
    mode = os.environ.get("BARE_MODE", "rendered")
    if mode == "rendered":
        return create_rendered_app(json.loads(Path(os.environ["BARE_CONTEXT"]).read_text("utf-8")))
    if mode == "reads":
        import psycopg

        context = json.loads(Path(os.environ["BARE_CONTEXT"]).read_text("utf-8"))
        dsn = os.environ["BARE_DSN"]
        return create_reads_app(context, lambda: psycopg.connect(dsn))
    if mode == "captured":
        return create_captured_app()
    raise SystemExit(f"BARE_MODE must be rendered, reads or captured, not {mode!r}")


def create_reads_app(context: dict[str, Any], connect: Callable[[], Any]) -> Flask:
    """The rendered page, its answers read each time with the LMS's two statements.

    `connect` opens a psycopg connection; each thread opens one and keeps it, as the LMS's pool
    keeps its connections. context["reads"] holds the SQL and the user and attempt it reads.
    """
    reads = context["reads"]
    local = threading.local()

    def read_answers() -> dict[int, list[str]]:
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = connect()
        # BEGIN ... COMMIT, as the LMS's request (a SAVEPOINT if a transaction is already open).
        with connection.transaction(), connection.cursor() as cursor:
            cursor.execute(reads["user_sql"], reads["user_params"])
            if cursor.fetchone() is None:
                abort(403)
            cursor.execute(reads["sheet_sql"], {"attempt_id": reads["attempt_id"]})
            rows = cursor.fetchall()
        # The attempt's answers as the LMS reads them (item id and chosen keys are its last two
        # columns; the last answer saved for an item wins).
        return {row[-2]: row[-1] for row in rows if row[-2] is not None}

    return create_rendered_app(context, read_answers)


def create_rendered_app(
    context: dict[str, Any], read_answers: Callable[[], dict[int, list[str]]] | None = None
) -> Flask:
    """Flask + Jinja rendering the LMS's question template from the captured data.

    context (written by quiz_load.capture_question_context): templates and translations
    directories, the language values of the page, the attempt's items and answers, its deadline,
    and the LMS's URL rules (so that url_for builds the same links). read_answers, if given,
    gives the answers on each request instead of the captured ones.
    """
    app = Flask(__name__, static_folder=None, template_folder=context["templates"])
    app.jinja_env.add_extension("jinja2.ext.i18n")
    catalogue = Translations.load(context["translations"], [context["language"]])
    app.jinja_env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    items = [SimpleNamespace(**item) for item in context["items"]]
    captured_answers = {int(item_id): keys for item_id, keys in context["answers"].items()}
    deadline = datetime.fromisoformat(context["deadline_at"])
    started = datetime.fromisoformat(context["started_at"])
    static_names = context["static_names"]
    user = SimpleNamespace(is_authenticated=True, role=context["role"])
    page_values = {
        key: context[key]
        for key in ("lang", "html_lang", "text_dir", "language_names", "languages")
    }

    def csrf_token() -> str:
        """A token per request, as Flask-WTF gives (here unsigned and never checked)."""
        if "csrf_token" not in g:
            g.csrf_token = secrets.token_urlsafe(32)
        return g.csrf_token

    app.jinja_env.globals["csrf_token"] = csrf_token
    # The LMS's local_time filter for a centre that keeps UTC (the captured trainee's).
    app.jinja_env.filters["local_time"] = lambda moment, fmt="%Y-%m-%d %H:%M": (
        f"{moment.strftime(fmt)} UTC"
    )

    def question(attempt_id: int, position: int) -> str:
        """A question page of the attempt, rendered by the LMS's template."""
        if not 1 <= position <= len(items):
            abort(404)
        item = items[position - 1]
        answers = read_answers() if read_answers is not None else captured_answers
        seconds_left = max(0, int((deadline - datetime.now(UTC)).total_seconds()))
        return render_template(
            "assessments/question.html",
            attempt=SimpleNamespace(
                id=attempt_id, items=items, deadline_at=deadline, started_at=started
            ),
            item=item,
            position=position,
            answers=answers,
            chosen=answers.get(item.id, []),
            minutes_left=seconds_left // 60,
            seconds_left=seconds_left,
            current_user=user,
            language_next=request.full_path.rstrip("?"),
            **page_values,
        )

    def elsewhere(**_: Any) -> str:
        """The LMS's other URLs exist only for url_for; they are never requested."""
        abort(404)

    def ready() -> str:
        """Ready probe (at the LMS's own /healthz address)."""
        return "ok"

    @app.url_defaults
    def hashed_static_names(endpoint: str, values: dict[str, Any]) -> None:
        """Static files by their hashed names, as the LMS's url_for gives them."""
        if endpoint == "core.static" and "filename" in values:
            values["filename"] = static_names.get(values["filename"], values["filename"])

    views = {QUESTION_RULE: question, "/healthz": ready}
    for rule, endpoint in context["rules"]:
        app.add_url_rule(rule, endpoint=endpoint, view_func=views.get(rule, elsewhere))
    return app


def create_captured_app() -> Flask:
    """The captured page with a few variables: one route, the same path as the LMS's."""
    recompile = os.environ.get("BARE_RECOMPILE") == "1"
    app = (Flask if recompile else BareFlask)(__name__, static_folder=None)
    source = Path(os.environ["BARE_TEMPLATE"]).read_text(encoding="utf-8")
    total = int(os.environ["BARE_TOTAL"])

    @app.get(QUESTION_RULE)
    def question(attempt_id: int, position: int) -> str:
        """The captured question page, rendered with a few variables."""
        return render_template_string(
            source,
            attempt_id=attempt_id,
            position=position,
            total=total,
            minutes_left=29,
            csrf_token=secrets.token_urlsafe(32),
        )

    @app.get("/healthz")
    def healthz() -> str:
        """Ready probe."""
        return "ok"

    return app
