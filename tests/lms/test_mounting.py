"""Mounting: `lms.init_app(host, url_prefix="/training")` next to a host application's routes."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import sessionmaker

from app import mount
from certificates.models import Certificate
from lms.security import limiter
from tests.conftest import TEST_SECRET, base_config
from tests.helpers import submit

PREFIX = "/training"
COURSE = f"{PREFIX}/courses/mini-course"


@pytest.fixture
def host(connection: Connection, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A bare host application with its own routes, its own template and the LMS mounted."""
    (tmp_path / "templates" / "courses").mkdir(parents=True)
    # The host overrides one of the product's templates by putting its own at the same path.
    (tmp_path / "templates" / "courses" / "catalog.html").write_text(
        '{% extends "base.html" %}{% block content %}'
        "<h1>Host training portal: courses</h1>"
        "{% for course in courses %}<p>{{ course.title }}</p>{% endfor %}"
        "{% endblock %}"
    )
    host = Flask("host_app", root_path=str(tmp_path))
    host.config.update(base_config(database_url))

    @host.get("/")
    def host_home() -> str:
        return "The host's own home page"

    @host.post("/host-webhook")
    def host_webhook() -> str:
        # A host route that takes non-browser POSTs: mounting must not impose our CSRF on it.
        return f"received {request.get_data(as_text=True)}"

    mount(host, PREFIX)
    host.extensions["lms.db"]["sessionmaker"] = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    limiter.reset()
    yield host
    host.extensions["lms.db"]["engine"].dispose()


@pytest.fixture
def host_client(host: Flask) -> FlaskClient:
    return host.test_client()


def test_the_product_lives_under_the_prefix_next_to_the_host(host, host_client):
    assert host_client.get("/").get_data(as_text=True) == "The host's own home page"
    landing = host_client.get(f"{PREFIX}/")
    assert landing.status_code == 200
    page = landing.get_data(as_text=True)
    # Every link and asset of ours carries the prefix.
    stylesheet_url = re.search(rf'href="({PREFIX}/static/css/app\.[0-9a-f]{{12}}\.css)"', page)
    assert stylesheet_url, "the style sheet is linked under the prefix, by its hashed name"
    assert f'action="{PREFIX}/' in page or f'href="{PREFIX}/sign-in' in page
    assert not re.search(r'(href|src|action)="/(?!training)', page)
    with host_client.get(stylesheet_url.group(1)) as stylesheet:
        assert stylesheet.status_code == 200
        assert "immutable" in stylesheet.headers["Cache-Control"]
    assert host_client.get(f"{PREFIX}/healthz").status_code == 200
    # Nothing of ours answers outside the prefix.
    assert host_client.get("/sign-in").status_code == 404
    assert host_client.get("/courses/").status_code == 404


def test_the_host_keeps_its_own_behaviour(host_client):
    # No CSRF token needed on the host's own route, and none of our headers on its pages.
    response = host_client.post("/host-webhook", data="ping")
    assert response.status_code == 200 and response.get_data(as_text=True) == "received ping"
    home = host_client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Security-Policy" not in home.headers
    assert "Content-Encoding" not in home.headers
    # Ours keep theirs.
    ours = host_client.get(f"{PREFIX}/sign-in", headers={"Accept-Encoding": "br, gzip"})
    assert "frame-ancestors 'none'" in ours.headers["Content-Security-Policy"]
    # And our forms still refuse a post without a CSRF token, with our error page.
    refused = host_client.post(f"{PREFIX}/sign-in", data={"identifier": "x", "secret": "y"})
    assert refused.status_code == 400
    assert "Your form has expired" in refused.get_data(as_text=True)


def test_a_trainee_journey_under_the_prefix(host, host_client, make_user, load_course, db_session):
    from assessments.models import AttemptItem

    load_course()
    trainee = make_user("trainee", full_name="Amina Diallo")
    # Sign in; the login redirect and the home page live under the prefix.
    assert host_client.get(f"{PREFIX}/home").headers["Location"].startswith(f"{PREFIX}/sign-in")
    response = submit(
        host_client,
        f"{PREFIX}/sign-in",
        {"identifier": trainee.service_number, "secret": TEST_SECRET},
    )
    assert response.status_code == 302 and response.headers["Location"].startswith(PREFIX)
    # The host's template replaces ours.
    catalog = host_client.get(f"{PREFIX}/courses/").get_data(as_text=True)
    assert "Host training portal: courses" in catalog
    # Enrol, read every lesson.
    response = submit(host_client, COURSE, {}, action=f"{COURSE}/enrol")
    assert response.headers["Location"] == COURSE
    for lesson in ("first-steps", "second-steps"):
        url = f"{COURSE}/lessons/{lesson}"
        assert host_client.get(url).status_code == 200
        assert submit(host_client, url, {}, action=f"{url}/complete").status_code == 302
    # Take the quiz and pass it.
    quiz = f"{PREFIX}/assessments/mini-course/quiz"
    response = submit(host_client, quiz, {}, action=f"{quiz}/start")
    assert response.status_code == 200  # question 1 itself: its links carry the prefix
    found = re.search(rf'action="{PREFIX}/assessments/attempts/(\d+)/questions/2"', response.text)
    assert found, response.text
    attempt_id = int(found.group(1))
    items = db_session.scalars(
        select(AttemptItem)
        .where(AttemptItem.attempt_id == attempt_id)
        .order_by(AttemptItem.position)
    ).all()
    for item in items:
        last = item.position == len(items)
        to = "review" if last else f"questions/{item.position + 1}"
        url = f"{PREFIX}/assessments/attempts/{attempt_id}/{to}"
        data = {"answer": item.correct_keys, "from": item.position}
        assert submit(host_client, quiz, data, action=url).status_code == 200
    submit(host_client, quiz, {}, action=f"{PREFIX}/assessments/attempts/{attempt_id}/submit")
    result = host_client.get(f"{PREFIX}/assessments/attempts/{attempt_id}/result")
    assert "Passed: 100% overall" in result.get_data(as_text=True)
    # The certificate was issued; it downloads and verifies under the prefix.
    certificate = db_session.scalars(
        select(Certificate).where(Certificate.trainee_id == trainee.id)
    ).one()
    pdf = host_client.get(f"{PREFIX}/certificates/{certificate.serial}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert hashlib.sha256(pdf.data).hexdigest() == certificate.sha256
    verify = host_client.get(f"{PREFIX}/verify/{certificate.serial}").get_data(as_text=True)
    assert "Amina Diallo" in verify


def test_a_host_with_its_own_login_manager_is_refused_clearly(database_url):
    from flask_login import LoginManager

    host = Flask("host_with_login")
    host.config.update(base_config(database_url))
    LoginManager(host)
    with pytest.raises(RuntimeError, match="already has a Flask-Login LoginManager"):
        mount(host, PREFIX)


def test_the_read_api_keeps_its_json_errors_when_mounted(host_client):
    response = host_client.get(f"{PREFIX}/api/v1/cohorts")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert host_client.get(f"{PREFIX}/api/v1/openapi.json").status_code == 200
