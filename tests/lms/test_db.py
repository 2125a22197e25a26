"""The engine's pool: idle connections are tested before use, busy ones are not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text

from lms.db import make_engine, ping_after_idle


@pytest.fixture
def pinged(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, list]]:
    """An engine with the idle ping (after 60 s) and the list of connections it pinged."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    pings: list[Any] = []
    real_ping = engine.dialect.do_ping

    def counting_ping(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting_ping)
    ping_after_idle(engine, seconds=60)
    yield engine, pings
    engine.dispose()


def age_pooled_connections(engine: Engine, seconds: float) -> None:
    """Pretend the idle connections in the pool were checked in `seconds` ago."""
    for record in list(engine.pool._pool.queue):  # type: ignore[attr-defined]
        record.info["lms_idle_since"] -= seconds


def test_a_connection_used_moments_ago_is_not_pinged(pinged):
    engine, pings = pinged
    for _ in range(3):
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    assert pings == []


def test_a_connection_idle_for_a_while_is_pinged_first(pinged):
    engine, pings = pinged
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    age_pooled_connections(engine, 61)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    assert len(pings) == 1


def test_a_connection_closed_while_idle_is_replaced_before_use(pinged, database_url):
    # A database restart (or a firewall) closes idle connections: the request after it must get
    # a fresh connection, not an error.
    engine, pings = pinged
    if engine.dialect.name != "postgresql":
        pytest.skip("only a server database closes a client's connection")
    with engine.connect() as connection:
        victim = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    admin = make_engine(database_url)
    try:
        with admin.connect() as connection:
            assert connection.execute(
                text("SELECT pg_terminate_backend(:pid)"), {"pid": victim}
            ).scalar()
    finally:
        admin.dispose()
    age_pooled_connections(engine, 61)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar() != victim
    assert len(pings) == 1
