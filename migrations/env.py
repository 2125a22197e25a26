"""Alembic environment: the models' metadata, SQLite batch mode, a given or new connection."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import app  # noqa: F401 - imports every domain, so the metadata is complete
from lms.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as new_connection:
        _run(new_connection)
    engine.dispose()
