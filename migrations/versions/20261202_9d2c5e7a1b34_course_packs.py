"""course packs: each course's offline PDF, stored once per content and language

Revision ID: 9d2c5e7a1b34
Revises: b6e1d4c8a250
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lms.db import UTCDateTime

revision = "9d2c5e7a1b34"
down_revision = "b6e1d4c8a250"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_packs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("package_hash", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_packs_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_packs")),
        sa.UniqueConstraint(
            "course_id", "package_hash", "language", name=op.f("uq_course_packs_course_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("course_packs")
