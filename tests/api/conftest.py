"""Fixtures of the read API tests: a course, certificates, access tokens, authenticated requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from accounts.models import User
from certificates.models import Certificate
from courses.models import Course
from tests.helpers import add_certificate


@pytest.fixture
def certify(db_session: Session) -> Callable[..., Certificate]:
    """Factory: certify(user, course, expires_on, revoked_by=None) adds an issued certificate."""

    def _certify(
        user: User, course: Course, expires_on: date, revoked_by: User | None = None
    ) -> Certificate:
        certificate = add_certificate(db_session, user, course, expires_on, revoked_by)
        db_session.commit()
        return certificate

    return _certify


@pytest.fixture
def api_get(client: FlaskClient) -> Callable[..., TestResponse]:
    """api_get(path, token, **kwargs): GET under /api/v1 with the token as a bearer credential."""

    def _get(path: str, token: str | None, headers: dict[str, str] | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        return client.get(f"/api/v1{path}", headers=all_headers, **kwargs)

    return _get
