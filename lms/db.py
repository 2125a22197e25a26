"""The declarative base, the UTC datetime type and the per-request session."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store datetimes in UTC and always return them timezone-aware, on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use lms.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The one declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets real transactions, foreign keys, WAL and a busy timeout.

    SQL parameter values never appear in errors or logs (they hold names, e-mail addresses).
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


# A pooled connection idle for longer than this is tested before a request gets it.
PING_AFTER_IDLE_SECONDS = 10.0


def ping_after_idle(engine: Engine, seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Test a pooled connection before handing it out, if it has been idle for `seconds`.

    SQLAlchemy's pool_pre_ping tests every checkout: one more round trip on every request,
    which on PostgreSQL costs about as much as a query. A connection used moments ago is all but
    certainly alive; one idle for a while may have been closed by a database restart or a
    firewall, and is replaced here before a request sees the error. A failed ping raises
    DisconnectionError, which makes the pool discard the connection and open a fresh one.
    """

    @event.listens_for(engine, "checkin")
    def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["lms_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("lms_idle_since")
        if idle_since is None or time.monotonic() - idle_since < seconds:
            return  # new, or used moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError(f"pooled connection failed its ping: {error}") from error


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and defers BEGIN; take it over so
    # that SQLite behaves like the production database (see SQLAlchemy's pysqlite notes).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: threads of one process then queue on the
        # busy timeout instead of failing when a read transaction later needs to write.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Holds the engine and hands each request (or CLI command) one session."""

    def init_app(self, app: Flask) -> None:
        """Create the engine for the app's DATABASE_URL and the commit-at-the-edge hooks."""
        engine = make_engine(app.config["DATABASE_URL"])
        ping_after_idle(engine)
        app.extensions["lms.db"] = {
            "engine": engine,
            "sessionmaker": sessionmaker(bind=engine, expire_on_commit=False),
        }
        app.after_request(_commit_or_rollback)
        app.teardown_appcontext(_close_session)

    @property
    def session(self) -> Session:
        """The session of the current request or command, created on first use."""
        if "lms_session" not in g:
            g.lms_session = current_app.extensions["lms.db"]["sessionmaker"]()
        return g.lms_session

    @staticmethod
    def engine(app: Flask | None = None) -> Engine:
        """The engine of the given (or current) app."""
        return (app or current_app).extensions["lms.db"]["engine"]


def _commit_or_rollback(response: Any) -> Any:
    # The one commit of a request: only a successful response keeps what the request wrote.
    session: Session | None = g.get("lms_session")
    if session is not None:
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
    return response


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("lms_session", None)
    if session is not None:
        session.close()


db = Database()
