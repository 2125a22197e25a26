"""The migration that gives standards and rubrics an owning centre: up, refused down while a centre
owns some, down and up again (on SQLite, and on PostgreSQL when the suite runs there)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from lms import migrate
from tests.helpers import scratch_database

BEFORE = "5e9a2c7d41b8"
INSERT = (
    "INSERT INTO standards (id, code, version, domain, mastery_threshold, title, description, "
    "content_hash, is_current, loaded_at, centre_id) VALUES (1, 'DRV-1', 1, 'DRV', 100, '{}', "
    "'{}', 'x', true, CURRENT_TIMESTAMP, 1)"
)


@pytest.fixture
def database_url(tmp_path) -> Iterator[str]:
    with scratch_database(tmp_path, "centre-catalog") as url:
        yield url


def _columns(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {column["name"] for column in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_centre_owned_standards_migrate_up_and_down(database_url):
    migrate.upgrade(database_url)
    assert "centre_id" in _columns(database_url, "standards")
    assert "centre_id" in _columns(database_url, "rubrics")
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(INSERT))
    engine.dispose()
    engine = create_engine(database_url)
    with engine.connect() as conn, pytest.raises(RuntimeError, match="belong to a centre"):
        command.downgrade(migrate.alembic_config(database_url, conn), BEFORE)
    engine.dispose()
    assert "centre_id" in _columns(database_url, "standards")  # nothing half-done
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM standards"))
    engine.dispose()
    command.downgrade(migrate.alembic_config(database_url), BEFORE)
    assert "centre_id" not in _columns(database_url, "standards")
    assert "centre_id" not in _columns(database_url, "rubrics")
    migrate.upgrade(database_url)
    assert "centre_id" in _columns(database_url, "rubrics")
