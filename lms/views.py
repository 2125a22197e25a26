"""The shell's pages: landing, each role's home, the language switcher and the health check."""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from huey.storage import RedisStorage
from sqlalchemy import text
from werkzeug.wrappers import Response

from lms import hooks
from lms.access import public, signed_in
from lms.db import db
from lms.errors import render_error
from lms.forms import LanguageForm
from lms.tasks import huey_of

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
bp = Blueprint(
    "core",
    __name__,
    template_folder=str(ROOT / "templates"),
    static_folder=str(ROOT / "static"),
    static_url_path="/static",
)


@bp.get("/")
@public
def index() -> str | Response:
    """The landing page; signed-in users go to their home."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    return render_template("home/landing.html")


@bp.get("/home")
@signed_in
def home() -> str:
    """Each role's home page, from what each domain contributes for the role."""
    context = hooks.merged(f"home:{current_user.role}", current_user)
    return render_template(f"home/{current_user.role}.html", **context)


@bp.post("/language")
@public
def set_language() -> Response | tuple[str, int]:
    """Switch the interface language (and save it as the signed-in user's preference)."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return render_error(400, _("This language is not available."))
    session["lang"] = form.lang.data
    if current_user.is_authenticated:
        hooks.answers("language_chosen", current_user, form.lang.data)
    return redirect(safe_next(form.next.data))


# Unicode categories never allowed in a redirect target: controls, format characters (direction
# marks among them), line and paragraph separators.
UNSAFE_IN_PATHS = frozenset({"Cc", "Cf", "Zl", "Zp"})


MAX_NEXT_LENGTH = 500


def safe_next(target: str | None) -> str:
    """target if it is a path of this site (of a sensible length), else the landing page."""
    if target and len(target) <= MAX_NEXT_LENGTH and _is_local_path(target):
        return target
    return url_for("core.index")


def _is_local_path(target: str) -> bool:
    # Never an absolute or scheme-relative address, nor one a browser reads as such: browsers drop
    # tabs and newlines and take a backslash for a slash ("/\t/evil.example" is "//evil.example").
    # Control characters would also break the Location header (a 500), and direction marks have
    # no place in our paths.
    if not target.startswith("/") or target.startswith("//"):
        return False
    if any(ch == "\\" or unicodedata.category(ch) in UNSAFE_IN_PATHS for ch in target):
        return False
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. an unclosed IPv6 host
        return False
    return not parts.scheme and not parts.netloc


@bp.get("/healthz")
@public
def healthz() -> tuple[dict[str, str], int]:
    """Database and task-queue check for load balancers and monitoring (503 if either is down)."""
    checks = {"database": _database_status(), "queue": _queue_status()}
    if any(state != "ok" for state in checks.values()):
        log.warning("health check failed: %s", checks)
        return {"status": "error", **checks}, 503
    return {"status": "ok", **checks}, 200


def _database_status() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        log.warning("health check: database unreachable", exc_info=True)
        return "unreachable"
    return "ok"


def _queue_status() -> str:
    # Redis: a PING on the queue's connection; SQLite (or the tests' memory): it opens and reads.
    storage = huey_of().storage
    try:
        if isinstance(storage, RedisStorage):
            storage.conn.ping()
        else:
            storage.queue_size()
    except Exception:  # noqa: BLE001 - any broker failure means unhealthy
        log.warning("health check: task queue broker unreachable", exc_info=True)
        return "unavailable"
    return "ok"


@bp.app_context_processor
def _language_switcher() -> dict[str, object]:
    # Plain values: building a form object on every page cost about 6% of a quiz page.
    if not has_request_context():
        return {}
    return {"language_next": request.full_path.rstrip("?")}
