"""Existing data migrates into one default centre (on SQLite, and on PostgreSQL when the suite
runs there)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from lms import migrate
from tests.helpers import scratch_database

BEFORE_CENTRES = "9a6d3f2e18b7"


@pytest.fixture
def fresh_database_url(tmp_path) -> Iterator[str]:
    with scratch_database(tmp_path, "migration") as url:
        yield url


def test_existing_records_move_into_one_default_centre(fresh_database_url, monkeypatch):
    monkeypatch.setenv(
        "TRAINING_CENTRE_NAME", "Bangladesh Institute of Peace Support Operation Training"
    )
    migrate.upgrade(fresh_database_url, BEFORE_CENTRES)
    engine = create_engine(fresh_database_url)
    with engine.begin() as conn:
        for sql in (
            "INSERT INTO users (id, role, service_number, email, full_name, nationality, "
            "preferred_language, credential_hash, is_credential_temporary, is_enabled, "
            "session_version, created_at) VALUES "
            "(1, 'admin', NULL, 'a@example.org', 'Admin', NULL, 'en', 'x', false, true, 1, "
            "CURRENT_TIMESTAMP), "
            "(2, 'trainee', 'BD-1', NULL, 'Trainee', NULL, 'en', 'x', false, true, 1, "
            "CURRENT_TIMESTAMP)",
            "INSERT INTO cohorts (id, name, country, created_at) VALUES "
            "(1, 'BANBAT 14', 'BGD', CURRENT_TIMESTAMP)",
        ):
            conn.execute(text(sql))
    migrate.upgrade(fresh_database_url)
    with engine.connect() as conn:
        centre = conn.execute(text("SELECT id, name, country FROM centres")).one()
        users = conn.execute(text("SELECT id, centre_id, nationality FROM users ORDER BY id")).all()
        cohorts = conn.execute(text("SELECT centre_id FROM cohorts")).scalars().all()
    engine.dispose()
    assert centre == (1, "Bangladesh Institute of Peace Support Operation Training", "BGD")
    assert users == [(1, 1, None), (2, 1, "BGD")]  # the trainee takes the centre's country
    assert cohorts == [1]
