"""Questions: the content hash covers the meaning (English texts and answer key), not translations

A new or corrected translation of a question keeps its row (the loader updates its texts in place);
what a trainee was shown stays with the attempt (attempt_items.served). Existing rows get the hash of
their English texts; where two retired rows of one question differ only by translation, one takes the
new hash (the current row, else the newest) and the others keep theirs.

Revision ID: b2f8e6c4d913
Revises: a7c4d2e9f015
Create Date: 2026-12-02 17:40:00
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "b2f8e6c4d913"
down_revision = "a7c4d2e9f015"
branch_labels = None
depends_on = None


def _english(value: Any) -> Any:
    # The formula of assessments.catalog.question_hash, frozen here.
    if (
        isinstance(value, dict)
        and "en" in value
        and all(isinstance(v, str) for v in value.values())
    ):
        return value["en"]
    if isinstance(value, dict):
        return {key: _english(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_english(item) for item in value]
    return value


def _digest(payload: Any) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _rehash(english_only: bool) -> None:
    connection = op.get_bind()
    questions = sa.table(
        "questions",
        sa.column("id", sa.Integer),
        sa.column("course_id", sa.Integer),
        sa.column("qid", sa.String),
        sa.column("standard_code", sa.String),
        sa.column("kind", sa.String),
        sa.column("content", sa.JSON),
        sa.column("content_hash", sa.String),
        sa.column("is_current", sa.Boolean),
    )
    rows = connection.execute(sa.select(questions)).mappings().all()
    # Current rows first, then the newest: the first row of a (course, question, hash) takes it.
    rows = sorted(rows, key=lambda row: (not row["is_current"], -row["id"]))
    taken = {(row["course_id"], row["qid"], row["content_hash"]) for row in rows}
    for row in rows:
        content = row["content"]
        content = json.loads(content) if isinstance(content, str) else content
        if english_only:
            content = _english(content)
        digest = _digest([row["standard_code"], row["kind"], content])
        key = (row["course_id"], row["qid"], digest)
        if digest == row["content_hash"] or key in taken:
            continue
        taken.add(key)
        connection.execute(
            questions.update().where(questions.c.id == row["id"]).values(content_hash=digest)
        )


def upgrade() -> None:
    _rehash(english_only=True)


def downgrade() -> None:
    _rehash(english_only=False)
