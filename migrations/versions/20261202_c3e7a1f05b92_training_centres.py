"""training centres own their records; service numbers unique per country and centre

Revision ID: c3e7a1f05b92
Revises: 9a6d3f2e18b7
Create Date: 2026-12-02 07:20:00

Every existing record moves into one default centre (its name from TRAINING_CENTRE_NAME, its
country the commonest cohort country or trainee nationality). Administrators become that centre's
administrators; trainees without a nationality get the centre's country.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

import lms.db

revision = "c3e7a1f05b92"
down_revision = "9a6d3f2e18b7"
branch_labels = None
depends_on = None

OWNED = ("users", "cohorts", "roster_imports", "certificates", "api_tokens", "lti_platforms")
OPTIONAL = ("users", "courses")  # platform administrators; bundled (shared) courses


def upgrade() -> None:
    op.create_table(
        "centres",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("certificate_name", sa.String(length=200), nullable=True),
        sa.Column("public_base_url", sa.String(length=300), nullable=True),
        sa.Column("retention_years", sa.Integer(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_centres")),
        sa.UniqueConstraint("name", name=op.f("uq_centres_name")),
    )
    connection = op.get_bind()
    country = _commonest(connection, "SELECT country FROM cohorts") or _commonest(
        connection, "SELECT nationality FROM users WHERE role = 'trainee'"
    )
    centres = sa.table(
        "centres",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("country", sa.String),
        sa.column("languages", sa.JSON),
        sa.column("retention_years", sa.Integer),
        sa.column("is_enabled", sa.Boolean),
        sa.column("created_at", lms.db.UTCDateTime(timezone=True)),
    )
    op.bulk_insert(
        centres,
        [
            {
                "id": 1,
                "name": os.environ.get(
                    "TRAINING_CENTRE_NAME", "National Peacekeeping Training Centre"
                ),
                "country": country,
                "languages": ["en", "fr", "zh", "ar"],
                "retention_years": 10,
                "is_enabled": True,
                "created_at": lms.db.utcnow(),
            }
        ],
    )
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT setval('centres_id_seq', 1)"))
    for table in (*OWNED, "courses"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("centre_id", sa.Integer(), nullable=True))
    for table in OWNED:
        connection.execute(sa.text(f"UPDATE {table} SET centre_id = 1"))  # noqa: S608 - constant
    if country:
        connection.execute(
            sa.text(
                "UPDATE users SET nationality = :country "
                "WHERE role = 'trainee' AND nationality IS NULL"
            ),
            {"country": country},
        )
    for table in (*OWNED, "courses"):
        with op.batch_alter_table(table) as batch_op:
            if table not in OPTIONAL:
                batch_op.alter_column("centre_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_centre_id"), ["centre_id"])
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_centre_id_centres"), "centres", ["centre_id"], ["id"]
            )
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_service_number"), type_="unique")
        batch_op.create_index(batch_op.f("ix_users_service_number"), ["service_number"])
        batch_op.create_unique_constraint(
            batch_op.f("uq_users_centre_nationality_service_number"),
            ["centre_id", "nationality", "service_number"],
        )
        batch_op.drop_constraint(batch_op.f("ck_users_role_known"), type_="check")
        batch_op.create_check_constraint(
            "role_known", "role IN ('trainee', 'trainer', 'admin', 'platform_admin')"
        )
        batch_op.create_check_constraint(
            "member_of_a_centre", "role = 'platform_admin' OR centre_id IS NOT NULL"
        )


def _commonest(connection: sa.Connection, query: str) -> str | None:
    values = [row[0] for row in connection.execute(sa.text(query)) if row[0]]
    return max(set(values), key=values.count) if values else None


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_member_of_a_centre"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_users_role_known"), type_="check")
        batch_op.create_check_constraint("role_known", "role IN ('trainee', 'trainer', 'admin')")
        batch_op.drop_constraint(
            batch_op.f("uq_users_centre_nationality_service_number"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_users_service_number"))
        batch_op.create_unique_constraint("uq_users_service_number", ["service_number"])
    for table in (*OWNED, "courses"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_centre_id_centres"), type_="foreignkey"
            )
            batch_op.drop_index(batch_op.f(f"ix_{table}_centre_id"))
            batch_op.drop_column("centre_id")
    op.drop_table("centres")
