"""Flask-Login wiring: loading the signed-in user and the first-sign-in credential change."""

from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from sqlalchemy import bindparam, select
from werkzeug.wrappers import Response

from accounts.models import Centre, User
from lms import scope
from lms.db import db
from lms.urls import register_base_resolver

login_manager = LoginManager()
login_manager.login_view = "accounts.sign_in"
login_manager.login_message = _l("Please sign in to open this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

# Endpoints a user who must change a temporary credential may still reach.
ALLOWED_BEFORE_CHANGE = {
    "accounts.change_credential",
    "accounts.sign_out",
    "core.set_language",
    "core.healthz",
    "core.static",
}


# Built once: every signed-in request runs it. Session.get built its statement and cache key on
# each call (about 40 us more on PostgreSQL), for an identity-map check that never hits here: a
# request loads its user once, into a new session.
USER_BY_ID = select(User).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def load_user(session_identity: str) -> User | None:
    """Load the user of a session unless the credential changed since it began."""
    user_id, _, version = session_identity.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.execute(USER_BY_ID, {"user_id": int(user_id)}).scalar_one_or_none()
    if user is None or not user.is_enabled or user.session_version != int(version):
        return None
    scope.enter(db.session, user.centre_id)  # from here on the request sees only this centre
    return user


def _require_new_credential() -> Response | None:
    if (
        current_user.is_authenticated
        and current_user.is_credential_temporary
        and request.endpoint not in ALLOWED_BEFORE_CHANGE
        and request.blueprint is not None
    ):
        return redirect(url_for("accounts.change_credential"))
    return None


def init_login(app: Flask) -> None:
    """Attach Flask-Login and the first-sign-in check."""
    if getattr(app, "login_manager", None) not in (None, login_manager):
        # The product's users, roles and session checks need their own LoginManager; silently
        # replacing the host's would sign its users out or in as the wrong kind of user.
        raise RuntimeError(
            "The host application already has a Flask-Login LoginManager. Mount the LMS in its "
            "own Flask application instead (for example with werkzeug's DispatcherMiddleware)."
        )
    login_manager.init_app(app)
    app.before_request(_require_new_credential)
    register_base_resolver(app, centre_base_url)


def centre_base_url(owner: object) -> str | None:
    """The public address of the centre a record belongs to, when the centre has its own."""
    centre_id = getattr(owner, "centre_id", None)
    centre = db.session.get(Centre, centre_id) if centre_id is not None else None
    return centre.public_base_url if centre is not None else None
