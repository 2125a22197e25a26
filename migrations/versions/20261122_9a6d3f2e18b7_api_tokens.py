"""read API tokens

Revision ID: 9a6d3f2e18b7
Revises: 5d2c8e17a0b3
Create Date: 2026-11-22 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lms.db

revision = "9a6d3f2e18b7"
down_revision = "5d2c8e17a0b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("is_all_cohorts", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_api_tokens_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_api_tokens_revoked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "api_token_cohorts",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_api_token_cohorts_cohort_id_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_tokens.id"], name=op.f("fk_api_token_cohorts_token_id_api_tokens")
        ),
        sa.PrimaryKeyConstraint("token_id", "cohort_id", name=op.f("pk_api_token_cohorts")),
    )
    with op.batch_alter_table("api_token_cohorts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_token_cohorts_cohort_id"), ["cohort_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("api_token_cohorts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_cohorts_cohort_id"))
    op.drop_table("api_token_cohorts")
    op.drop_table("api_tokens")
