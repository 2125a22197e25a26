"""transfer requests between cohorts of a centre

Revision ID: d41f6b2a9c07
Revises: c3e7a1f05b92
Create Date: 2026-12-02 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lms.db

revision = "d41f6b2a9c07"
down_revision = "c3e7a1f05b92"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfer_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("to_cohort_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'approved', 'refused')",
            name=op.f("ck_transfer_requests_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_transfer_requests_centre_id_centres")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_transfer_requests_trainee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["to_cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_transfer_requests_to_cohort_id_cohorts"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_transfer_requests_requested_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_transfer_requests_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_requests")),
    )
    with op.batch_alter_table("transfer_requests") as batch_op:
        for column in ("centre_id", "trainee_id", "to_cohort_id", "state"):
            batch_op.create_index(batch_op.f(f"ix_transfer_requests_{column}"), [column])


def downgrade() -> None:
    op.drop_table("transfer_requests")
