"""A centre's own standards and rubrics: centre_id on standards and rubrics (NULL: the shared UN
catalog), so a course package of a centre can carry them

Revision ID: 9c4e6a1b7d35
Revises: 5e9a2c7d41b8
Create Date: 2026-12-12 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9c4e6a1b7d35"
down_revision = "5e9a2c7d41b8"
branch_labels = None
depends_on = None

TABLES = ("standards", "rubrics")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("centre_id", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_centre_id"), ["centre_id"])
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_centre_id_centres"), "centres", ["centre_id"], ["id"]
            )


def downgrade() -> None:
    connection = op.get_bind()
    # A centre's standards and rubrics cannot be told apart from the UN catalog once the column is
    # gone: refuse rather than silently share them with every centre.
    for table in TABLES:
        owned = connection.scalar(
            sa.text(f"SELECT COUNT(*) FROM {table} WHERE centre_id IS NOT NULL")  # noqa: S608
        )
        if owned:
            raise RuntimeError(
                f"{owned} rows of {table} belong to a centre; downgrading would share them with "
                "every centre. Remove the centres' own standards and rubrics first."
            )
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_centre_id_centres"), type_="foreignkey"
            )
            batch_op.drop_index(batch_op.f(f"ix_{table}_centre_id"))
            batch_op.drop_column("centre_id")
