"""Launch values in the database (nonces, deep-linking launches, tickets), shared by every app
server, and the state cookie: PyLTI1p3's storage, session and cookie services for this tool."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, url_for
from pylti1p3.contrib.flask import FlaskCookieService, FlaskSessionService
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from sqlalchemy import delete

from lms.db import db, utcnow
from lti.models import LtiLaunchValue


class DatabaseLaunchStorage(LaunchDataStorage[Any]):
    """PyLTI1p3's launch data storage in the lti_launch_values table, shared by every app server.

    Keys are random (nonces, launch ids): no per-browser session id is needed; the state cookie
    ties a launch to the browser that started the login.
    """

    def get_session_cookie_name(self) -> None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        row = db.session.get(LtiLaunchValue, self._prepare_key(key))
        if row is None or row.expires_at <= utcnow():
            return None
        return row.value

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        lifetime = exp or current_app.config["LTI_NONCE_LIFETIME"]
        db.session.merge(
            LtiLaunchValue(
                key=self._prepare_key(key),
                value=value,
                expires_at=utcnow() + timedelta(seconds=lifetime),
            )
        )
        db.session.flush()

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None

    def consume(self, key: str) -> bool:
        """Delete a value that has not expired; True only for the one caller that deleted it."""
        result = db.session.execute(
            delete(LtiLaunchValue).where(
                LtiLaunchValue.key == self._prepare_key(key), LtiLaunchValue.expires_at > utcnow()
            )
        )
        return result.rowcount == 1  # type: ignore[attr-defined]  # a DELETE's result is a CursorResult


def purge_expired_values() -> int:
    """Delete the launch values that have expired; returns how many."""
    result = db.session.execute(delete(LtiLaunchValue).where(LtiLaunchValue.expires_at <= utcnow()))
    return result.rowcount  # type: ignore[attr-defined]  # a DELETE's result is a CursorResult


def put_value(key: str, value: Any, lifetime: int) -> None:
    """Store a short-lived value of our own (e.g. a ticket)."""
    DatabaseLaunchStorage().set_value(key, value, exp=lifetime)


def take_value(key: str) -> Any:
    """Read and delete a short-lived value: None when missing, expired or already taken."""
    storage = DatabaseLaunchStorage()
    value = storage.get_value(key)
    if value is None or not storage.consume(key):
        return None
    return value


class ToolSessionService(FlaskSessionService):
    """Nonces are single-use and remember which registration's login issued them; the state is
    only ever proven by the browser's state cookie."""

    data_storage: DatabaseLaunchStorage
    # The (issuer, client id) of the login being answered, set once the registration is found.
    login_for: tuple[str, str] | None = None

    def save_nonce(self, nonce: str) -> None:
        issuer, client_id = self.login_for or ("", "")
        self.data_storage.set_value(
            self._get_key("nonce", nonce),
            {"iss": issuer, "client_id": client_id},
            exp=current_app.config["LTI_NONCE_LIFETIME"],
        )

    def check_nonce(self, nonce: str) -> bool:
        return self.take_nonce(nonce) is not None

    def take_nonce(self, nonce: str) -> dict[str, str] | None:
        """Use a nonce up: what its login was for, or None if unknown, expired or already used."""
        key = self._get_key("nonce", nonce)
        value = self.data_storage.get_value(key)
        if value is None or not self.data_storage.consume(key):
            return None
        return value if isinstance(value, dict) else {}

    def save_launch_data(self, key: str, jwt_body: Any) -> None:
        self.data_storage.set_value(
            self._get_key(key, add_prefix=False),
            jwt_body,
            exp=current_app.config["LTI_DEEP_LINK_LIFETIME"],
        )

    def set_state_valid(self, state: str, id_token_hash: str) -> None:
        return None

    def check_state_is_valid(self, state: str, id_token_hash: str) -> bool:
        return False


class ToolCookieService(FlaskCookieService):
    """The state cookie: HttpOnly, only under the tool's own path, and over HTTPS SameSite=None,
    Secure and Partitioned, so that it comes back with the platform's cross-site form post, also
    in a framed launch."""

    def update_response(self, response: Any) -> None:
        assert self._request is not None  # given to the constructor
        secure = self._request.is_secure()
        for key, data in self._cookie_data_to_set.items():
            response.set_cookie(
                key,
                data["value"],
                max_age=data["exp"],
                path=_cookie_path(),
                httponly=True,
                secure=secure,
                samesite="None" if secure else None,
                partitioned=secure,
            )

    def forget(self, response: Any, name: str) -> None:
        """Delete a cookie this service set (the state cookie once its launch is done)."""
        assert self._request is not None  # given to the constructor
        secure = self._request.is_secure()
        response.delete_cookie(
            self._get_key(name),
            path=_cookie_path(),
            httponly=True,
            secure=secure,
            samesite="None" if secure else None,
            partitioned=secure,
        )


def _cookie_path() -> str:
    return url_for("lti.launch").rsplit("/", 1)[0] or "/"
