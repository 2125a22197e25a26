"""Standards and rubrics: the content hash covers the meaning (English text), not translations

A new or corrected translation of a standard or rubric no longer needs a new version: the loader
updates the texts of the same version in place. Existing rows get the hash of their English text.

Revision ID: a7c4d2e9f015
Revises: 9d2c5e7a1b34
Create Date: 2026-12-02 14:30:00
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "a7c4d2e9f015"
down_revision = "9d2c5e7a1b34"
branch_labels = None
depends_on = None


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _as_data(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _rehash(english_only: bool) -> None:
    # The formulas of assessments.catalog.standard_hash and rubric_hash (english_only), and of the
    # code before them (every translation), frozen here.
    connection = op.get_bind()
    standards = sa.table(
        "standards",
        sa.column("id", sa.Integer),
        sa.column("domain", sa.String),
        sa.column("mastery_threshold", sa.Integer),
        sa.column("title", sa.JSON),
        sa.column("description", sa.JSON),
        sa.column("content_hash", sa.String),
    )
    for row in connection.execute(sa.select(standards)).mappings().all():
        title, description = _as_data(row["title"]), _as_data(row["description"])
        if english_only:
            title, description = title["en"], description["en"]
        digest = _digest([row["domain"], row["mastery_threshold"], title, description])
        connection.execute(
            standards.update().where(standards.c.id == row["id"]).values(content_hash=digest)
        )
    rubrics = sa.table(
        "rubrics",
        sa.column("id", sa.Integer),
        sa.column("standard_code", sa.String),
        sa.column("title", sa.JSON),
        sa.column("instructions", sa.JSON),
        sa.column("time_limit_seconds", sa.Integer),
        sa.column("criteria", sa.JSON),
        sa.column("content_hash", sa.String),
    )
    for row in connection.execute(sa.select(rubrics)).mappings().all():
        title, instructions = _as_data(row["title"]), _as_data(row["instructions"])
        criteria: Any = _as_data(row["criteria"])
        if english_only:
            title, instructions = title["en"], instructions["en"]
            criteria = [[c["id"], c["text"]["en"], c["required"]] for c in criteria]
        digest = _digest(
            [row["standard_code"], title, instructions, row["time_limit_seconds"], criteria]
        )
        connection.execute(
            rubrics.update().where(rubrics.c.id == row["id"]).values(content_hash=digest)
        )


def upgrade() -> None:
    _rehash(english_only=True)


def downgrade() -> None:
    _rehash(english_only=False)
