"""jobs: long work on the task queue, with progress and a result file

Revision ID: a4c9e2f1b370
Revises: f7b3e9d2a641
Create Date: 2026-12-02 09:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lms.db import UTCDateTime

revision = "a4c9e2f1b370"
down_revision = "f7b3e9d2a641"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("task", sa.String(length=80), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.String(length=40), nullable=True),
        sa.Column("result_path", sa.String(length=255), nullable=True),
        sa.Column("result_filename", sa.String(length=255), nullable=True),
        sa.Column("result_mimetype", sa.String(length=100), nullable=True),
        sa.Column("result_expires_at", UTCDateTime(), nullable=True),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_jobs_centre_id_centres")
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["users.id"], name=op.f("fk_jobs_started_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_centre_id"), "jobs", ["centre_id"])
    op.create_index(op.f("ix_jobs_started_by_id"), "jobs", ["started_by_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_jobs_started_by_id"), table_name="jobs")
    op.drop_index(op.f("ix_jobs_centre_id"), table_name="jobs")
    op.drop_table("jobs")
