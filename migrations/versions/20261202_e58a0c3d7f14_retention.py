"""retention: when a trainee was pseudonymised, when a certificate's holder data was removed

Revision ID: e58a0c3d7f14
Revises: d41f6b2a9c07
Create Date: 2026-12-02 07:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lms.db

revision = "e58a0c3d7f14"
down_revision = "d41f6b2a9c07"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("pseudonymised_at", lms.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.add_column(
            sa.Column("holder_removed_at", lms.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.drop_column("holder_removed_at")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("pseudonymised_at")
