"""user sessions: one row per signed-in browser, ended at sign-out

Revision ID: f78fb7177cc2
Revises: e58a0c3d7f14
Create Date: 2026-12-02 08:00:00

Cookies signed in before this revision carry no session id: their holders sign in again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lms.db

revision = "f78fb7177cc2"
down_revision = "e58a0c3d7f14"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
    op.drop_table("user_sessions")
