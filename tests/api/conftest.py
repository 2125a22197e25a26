"""Fixtures of the read API tests: a course, certificates, access tokens, authenticated requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from accounts.models import User
from certificates.models import Certificate, CertificateRevocation
from certificates.serials import new_serial
from courses.models import Course


@pytest.fixture
def course(load_course, db_session: Session) -> Course:
    load_course()
    return db_session.scalars(select(Course).where(Course.slug == "mini-course")).one()


@pytest.fixture
def certify(db_session: Session) -> Callable[..., Certificate]:
    """Factory: certify(user, course, expires_on, revoked_by=None) adds an issued certificate."""

    def _certify(
        user: User, course: Course, expires_on: date, revoked_by: User | None = None
    ) -> Certificate:
        certificate = Certificate(
            serial=new_serial(),
            trainee_id=user.id,
            course_id=course.id,
            sequence=1
            + len(
                db_session.scalars(
                    select(Certificate.id).where(
                        Certificate.trainee_id == user.id, Certificate.course_id == course.id
                    )
                ).all()
            ),
            course_version="1.0",
            language="en",
            holder_name=user.full_name,
            rank=user.rank,
            service_number=user.service_number,
            country=user.nationality,
            course_title="Mini course",
            standards=[],
            centre="Test centre",
            issued_on=expires_on - timedelta(days=365),
            expires_on=expires_on,
            pdf=b"%PDF-1.7 test",
            sha256="ab" * 32,
        )
        db_session.add(certificate)
        db_session.flush()
        if revoked_by is not None:
            db_session.add(
                CertificateRevocation(
                    certificate_id=certificate.id,
                    revoked_by_id=revoked_by.id,
                    reason="misconduct",
                )
            )
        db_session.commit()
        return certificate

    return _certify


@pytest.fixture
def make_token(app: Flask) -> Callable[..., str]:
    """Factory: make_token(cohorts=[...] or all_cohorts=True, expires_at=None) -> the secret."""
    from api import tokens
    from lms.db import db

    def _make(
        cohorts: tuple[Any, ...] = (),
        *,
        all_cohorts: bool = False,
        expires_at: datetime | None = None,
        name: str = "Personnel system",
    ) -> str:
        with app.app_context():
            _token, secret = tokens.create_token(
                name,
                all_cohorts=all_cohorts,
                cohort_ids=[c.id for c in cohorts],
                expires_at=expires_at,
                actor=None,
            )
            db.session.commit()
        return secret

    return _make


@pytest.fixture
def api_get(client: FlaskClient) -> Callable[..., TestResponse]:
    """api_get(path, token, **kwargs): GET under /api/v1 with the token as a bearer credential."""

    def _get(path: str, token: str | None, headers: dict[str, str] | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        return client.get(f"/api/v1{path}", headers=all_headers, **kwargs)

    return _get
