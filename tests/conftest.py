"""Fixtures: a migrated database per run, each test inside a transaction rolled back at the end."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from accounts.models import User
from app import create_app
from lms import migrate
from lms.db import make_engine
from lms.security import limiter
from tests.helpers import sign_in
from tests.redis_server import RedisServer

TEST_SECRET = "correct-horse-42"
DEFAULT_CENTRE_ID = 1  # the centre the migration creates for existing records
PUBLIC_BASE_URL = "http://lms.test"
_counter = itertools.count(1)


def base_config(database_url: str) -> dict[str, Any]:
    """The configuration every test app gets."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "PASSWORD_HASHING": "fast-for-tests",
        # Not the test client's own host (localhost): addresses that leave the app must come
        # from here, never from the request.
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        # Tasks run at once, inside the request that enqueues them (tests/lms/test_tasks.py
        # runs a real consumer against the SQLite queue).
        "TASK_QUEUE_IMMEDIATE": True,
    }


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real Redis on loopback for the whole run (tests may stop and start it; each starts it)."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The address of a running, empty Redis."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.flush()
    return redis_server.url()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test database (TEST_DATABASE_URL, or a new SQLite file), migrated once per run."""
    url = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    )
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection and outer transaction per test; everything is rolled back after it."""
    with engine.connect() as conn:
        transaction = conn.begin()
        yield conn
        if transaction.is_active:
            transaction.rollback()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Per-test configuration overrides (override this fixture in a module to change them)."""
    return {}


@pytest.fixture
def app(
    connection: Connection,
    database_url: str,
    app_config: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Flask]:
    results = str(tmp_path_factory.mktemp("job-results", numbered=True))
    app = create_app({**base_config(database_url), "JOB_RESULTS_FOLDER": results, **app_config})
    # Requests commit into SAVEPOINTs of the test's transaction.
    app.extensions["lms.db"]["sessionmaker"] = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    limiter.reset()
    yield app
    app.extensions["lms.db"]["engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db_session(connection: Connection) -> Iterator[Session]:
    """A session for setting up and checking data, in the test's transaction."""
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield session
    session.close()


@pytest.fixture
def make_user(app: Flask, db_session: Session) -> Callable[..., User]:
    """Factory: make_user("trainee", secret=..., **fields) creates and commits a user."""
    from accounts.passwords import hash_secret

    def _make(
        role: str = "trainee", *, secret: str = TEST_SECRET, temporary: bool = False, **fields: Any
    ) -> User:
        n = next(_counter)
        defaults: dict[str, Any] = {
            "full_name": f"Test {role.title()} {n}",
            "preferred_language": "en",
            "centre_id": None if role == "platform_admin" else DEFAULT_CENTRE_ID,
        }
        if role == "trainee":
            defaults["service_number"] = f"TS-{n:05d}"
        else:
            defaults["email"] = f"{role}{n}@example.org"
        with app.app_context():
            credential_hash = hash_secret(secret)
        if fields.get("email"):
            fields["email"] = fields["email"].strip().lower()
        if fields.get("service_number"):
            fields["service_number"] = fields["service_number"].strip().upper()
        user = User(
            role=role,
            credential_hash=credential_hash,
            is_credential_temporary=temporary,
            **{**defaults, **fields},
        )
        db_session.add(user)
        db_session.commit()
        return user

    return _make


@pytest.fixture
def login_as(client: FlaskClient, make_user: Callable[..., User]) -> Callable[..., User]:
    """Factory: login_as("trainer") creates a user of that role and signs the client in."""

    def _login(role: str, **fields: Any) -> User:
        user = make_user(role, **fields)
        response = sign_in(client, user.sign_in_name, TEST_SECRET)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return _login


@pytest.fixture
def load_course(app: Flask, tmp_path_factory: pytest.TempPathFactory):
    """Factory: write a small valid package (optionally changed) and load it like the CLI does."""
    from lms.db import db
    from studio.sync import load_catalog
    from tests.courses.factories import write_package

    def _load(slug: str = "mini-course", version: str = "1.0", change=None):  # type: ignore[no-untyped-def]
        root = tmp_path_factory.mktemp("packages")
        path = write_package(root, slug=slug, version=version)
        if change is not None:
            change(path)
        with app.app_context():
            load_catalog(root)
            db.session.commit()
        return path

    return _load


@pytest.fixture
def course(load_course: Callable[..., Any], db_session: Session) -> Any:
    """The mini course, loaded like the CLI does."""
    from sqlalchemy import select

    from courses.models import Course

    load_course()
    return db_session.scalars(select(Course).where(Course.slug == "mini-course")).one()


@pytest.fixture
def make_cohort(db_session: Session):
    """Factory: make_cohort(trainers=[...], members=[...], courses=[...]) creates a cohort."""
    from cohorts.models import Cohort

    def _make(trainers=(), members=(), courses=(), **fields):  # type: ignore[no-untyped-def]
        cohort = Cohort(
            name=fields.pop("name", f"Cohort {next(_counter)}"),
            country=fields.pop("country", "NPL"),
            centre_id=fields.pop("centre_id", DEFAULT_CENTRE_ID),
            **fields,
        )
        cohort.trainers = [db_session.merge(user) for user in trainers]
        cohort.members = [db_session.merge(user) for user in members]
        cohort.courses = [db_session.merge(course) for course in courses]
        db_session.add(cohort)
        db_session.commit()
        return cohort

    return _make


@pytest.fixture
def make_centre(db_session: Session):
    """Factory: make_centre(name=..., country=...) creates and commits a training centre."""
    from accounts.models import Centre

    def _make(**fields: Any) -> Centre:
        n = next(_counter)
        centre = Centre(
            name=fields.pop("name", f"Centre {n}"),
            country=fields.pop("country", "NPL"),
            languages=fields.pop("languages", ["en", "fr", "zh", "ar"]),
            **fields,
        )
        db_session.add(centre)
        db_session.commit()
        return centre

    return _make


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
        centre_id: int = DEFAULT_CENTRE_ID,
    ) -> str:
        with app.app_context():
            _token, secret = tokens.create_token(
                name,
                all_cohorts=all_cohorts,
                cohort_ids=[c.id for c in cohorts],
                expires_at=expires_at,
                actor=None,
                centre_id=centre_id,
            )
            db.session.commit()
        return secret

    return _make
