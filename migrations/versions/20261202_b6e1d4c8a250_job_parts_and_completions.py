"""job parts, job heartbeats and outcomes, and completions announced once per enrolment

Revision ID: b6e1d4c8a250
Revises: a4c9e2f1b370
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lms.db import UTCDateTime

revision = "b6e1d4c8a250"
down_revision = "a4c9e2f1b370"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("heartbeat_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("parts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("outcome", sa.JSON(), nullable=True))
    op.create_table(
        "job_parts",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_parts_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", "part", name=op.f("pk_job_parts")),
    )
    with op.batch_alter_table("enrolments") as batch:
        batch.add_column(sa.Column("completed_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_column("completed_at")
    op.drop_table("job_parts")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("outcome")
        batch.drop_column("parts")
        batch.drop_column("heartbeat_at")
