"""Fixtures for the LTI tests: a real platform over HTTP, registered with the tool."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.lti.platform import Intent, Platform, parse_launch_form

COURSE = "mini-course"


@pytest.fixture
def app_config() -> dict[str, Any]:
    # The tests deliver the outbox themselves, when they choose to. The tool's public address is
    # the one the test client (the browser) reaches it by, as in a deployment.
    return {"OUTBOX_QUEUE_DELIVERY": False, "PUBLIC_BASE_URL": "http://localhost"}


@pytest.fixture
def platform(client: FlaskClient) -> Iterator[Platform]:
    """A running platform that knows the tool's published key set."""
    platform = Platform().start()
    platform.tool_jwks = client.get("/lti/jwks.json").get_json()
    yield platform
    platform.stop()


@pytest.fixture
def register(app: Flask) -> Callable[..., Any]:
    """Factory: register(platform, **changes) registers a platform as an administrator would."""
    from lms import scope
    from lms.db import db
    from lti import platforms
    from tests.conftest import DEFAULT_CENTRE_ID

    def _register(platform: Platform, **changes: Any) -> int:
        values = platform.registration_values(**changes)
        values["deployment_ids"] = values["deployment_ids"].splitlines()
        with app.app_context():
            scope.enter(db.session, DEFAULT_CENTRE_ID)  # as the centre's administrator would
            saved = platforms.save_platform(None, values, actor=None)
            db.session.commit()
            return saved.id

    return _register


@pytest.fixture
def registered(platform: Platform, register: Callable[..., Any], load_course: Any) -> Platform:
    """The platform, registered, and the mini course loaded."""
    load_course()
    register(platform)
    return platform


def learner(user_id: str = "learner-1", **kwargs: Any) -> Intent:
    """A learner's launch of a link that opens the mini course."""
    kwargs.setdefault("custom", {"course": COURSE})
    return Intent(user_id=user_id, roles=[_LEARNER], **kwargs)


def instructor(user_id: str = "teacher-1", **kwargs: Any) -> Intent:
    kwargs.setdefault("custom", {"course": COURSE})
    return Intent(user_id=user_id, roles=[_INSTRUCTOR], name="Jean Dupont", **kwargs)


_LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
_INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def start_login(client: FlaskClient, platform: Platform, intent: Intent, **kwargs: Any) -> Any:
    """The platform starts the login; the tool answers (a redirect to the platform, or an error)."""
    return client.get(platform.login_url(intent, **kwargs))


def platform_form(platform: Platform, redirect: str) -> tuple[str, dict[str, str]]:
    """The browser follows the tool's redirect to the platform, which answers with its form."""
    assert redirect.startswith(f"{platform.base}/auth?"), redirect
    page = requests.get(redirect, timeout=10)
    assert page.status_code == 200, page.text
    return parse_launch_form(page.text)


def launch(
    client: FlaskClient,
    platform: Platform,
    intent: Intent,
    tamper: Callable[[dict[str, str]], dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """The whole launch: login initiation, the platform's signed id_token, the form post."""
    response = start_login(client, platform, intent)
    assert response.status_code == 302, response.get_data(as_text=True)
    action, fields = platform_form(platform, response.headers["Location"])
    if tamper is not None:
        fields = tamper(fields)
    return client.post(action, data=fields, headers=headers or {})


@pytest.fixture
def counts(db_session: Any) -> Callable[[], dict[str, int]]:
    """Row counts of everything a launch may create."""
    from accounts.models import User
    from courses.models import Enrolment
    from lms.audit import AuditEvent
    from lms.outbox import OutboxMessage
    from lti.models import LtiGradeTarget, LtiResourceLink, LtiUserLink

    models = (
        User,
        Enrolment,
        AuditEvent,
        OutboxMessage,
        LtiUserLink,
        LtiResourceLink,
        LtiGradeTarget,
    )

    def _counts() -> dict[str, int]:
        db_session.expire_all()
        return {
            model.__tablename__: db_session.scalar(select(func.count()).select_from(model))
            for model in models
        }

    return _counts
