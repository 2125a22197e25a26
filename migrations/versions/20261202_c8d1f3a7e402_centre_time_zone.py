"""Centres: a time zone (IANA name) in which their people see times, UTC beside them

Revision ID: c8d1f3a7e402
Revises: b2f8e6c4d913
Create Date: 2026-12-02 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c8d1f3a7e402"
down_revision = "b2f8e6c4d913"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("centres") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("centres") as batch:
        batch.drop_column("time_zone")
