"""Lessons: an optional minimum duration in minutes (course.yaml `minutes`)

Revision ID: 3b7e1d9c5a20
Revises: 9c4e6a1b7d35
Create Date: 2026-12-11 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3b7e1d9c5a20"
down_revision = "9c4e6a1b7d35"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lessons") as batch:
        batch.add_column(sa.Column("minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lessons") as batch:
        batch.drop_column("minutes")
