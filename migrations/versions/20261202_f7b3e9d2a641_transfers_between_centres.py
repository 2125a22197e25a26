"""transfers between centres: a request may name a receiving centre instead of a cohort

Revision ID: f7b3e9d2a641
Revises: f78fb7177cc2
Create Date: 2026-12-02 08:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f7b3e9d2a641"
down_revision = "f78fb7177cc2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transfer_requests") as batch_op:
        batch_op.add_column(sa.Column("to_centre_id", sa.Integer(), nullable=True))
        batch_op.alter_column("to_cohort_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f("ix_transfer_requests_to_centre_id"), ["to_centre_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_transfer_requests_to_centre_id_centres"),
            "centres",
            ["to_centre_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            "one_destination", "(to_cohort_id IS NULL) <> (to_centre_id IS NULL)"
        )


def downgrade() -> None:
    with op.batch_alter_table("transfer_requests") as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_transfer_requests_one_destination"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_transfer_requests_to_centre_id_centres"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_transfer_requests_to_centre_id"))
        batch_op.drop_column("to_centre_id")
        batch_op.alter_column("to_cohort_id", existing_type=sa.Integer(), nullable=False)
