"""Flask-Login wiring: server-side sessions, loading the signed-in user, the first-sign-in
credential change.

The session identity in the cookie is "<user id>:<session_version>:<session id>". The session id
names a `user_sessions` row: signing out ends that row, so a copy of the cookie stops working, while
the person's other browsers keep their own rows. A credential change bumps `session_version`, which
ends every session of the account at once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Flask, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from accounts.models import Centre, User, UserSession
from lms import scope
from lms.db import db, utcnow
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


# A session's last_seen_at is written at most once per TOUCH_INTERVAL (not on every request); a
# session unused for IDLE_LIMIT has ended.
TOUCH_INTERVAL = timedelta(minutes=5)
IDLE_LIMIT = timedelta(days=30)

# Built once: every signed-in request runs it, and it reads the user and checks their session in
# one statement (the quiz pages count their round trips). Session.get built its statement and
# cache key on each call (about 40 us more on PostgreSQL), for an identity-map check that never
# hits here: a request loads its user once, into a new session.
USER_OF_SESSION = (
    select(User, UserSession.last_seen_at)
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        UserSession.id == bindparam("session_id"),
        UserSession.ended_at.is_(None),
        UserSession.last_seen_at > bindparam("idle_since"),
    )
    # The centre comes in the same query: pages read its time zone and issuer name.
    .options(joinedload(User.centre))
)


def _parse_identity(session_identity: str) -> tuple[int, int, str] | None:
    user_id, version, session_id = ([*session_identity.split(":", 2), "", ""])[:3]
    if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    return (int(user_id), int(version), session_id) if session_id else None


@login_manager.user_loader
def load_user(session_identity: str) -> User | None:
    """Load the user of a session that has not ended, unless the credential changed since."""
    identity = _parse_identity(session_identity)
    if identity is None:
        return None
    user_id, version, session_id = identity
    now = utcnow()
    row = db.session.execute(
        USER_OF_SESSION,
        {"user_id": user_id, "session_id": session_id, "idle_since": now - IDLE_LIMIT},
    ).one_or_none()
    if row is None:
        return None
    user, last_seen_at = row
    if not user.is_enabled or user.session_version != version:
        return None
    if now - last_seen_at > TOUCH_INTERVAL:
        db.session.execute(
            update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now),
            execution_options={"synchronize_session": False},
        )
    user.session_id = session_id
    scope.enter(db.session, user.centre_id)  # from here on the request sees only this centre
    return user


def start_session(user: User) -> None:
    """Sign the user in on this browser with a new server-side session (and forget their
    sessions that have ended or lain idle)."""
    now = utcnow()
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(UserSession.ended_at.is_not(None), UserSession.last_seen_at <= now - IDLE_LIMIT),
        ),
        execution_options={"synchronize_session": False},
    )
    record = UserSession(
        id=secrets.token_urlsafe(32), user_id=user.id, created_at=now, last_seen_at=now
    )
    db.session.add(record)
    user.session_id = record.id
    login_user(user)


def end_session() -> None:
    """Sign out this browser: its server-side session ends, so a saved copy of its cookie no
    longer works; the person's other browsers stay signed in."""
    session_id = getattr(current_user, "session_id", None)
    if session_id:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
            .values(ended_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
    logout_user()


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
