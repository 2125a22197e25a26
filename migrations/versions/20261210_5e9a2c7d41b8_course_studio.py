"""Course studio: course authors (a permission of trainers and administrators), course drafts and
published versions, each holding a package ZIP

Revision ID: 5e9a2c7d41b8
Revises: c8d1f3a7e402
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lms.db import UTCDateTime

revision = "5e9a2c7d41b8"
down_revision = "c8d1f3a7e402"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("is_course_author", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.create_check_constraint(
            "author_is_staff", "NOT is_course_author OR role IN ('trainer', 'admin')"
        )
    op.create_table(
        "course_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("package", sa.LargeBinary(), nullable=False),
        sa.Column("package_sha256", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_course_drafts_centre_id_centres")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_course_drafts_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_course_drafts_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_drafts")),
        sa.UniqueConstraint("course_id", name=op.f("uq_course_drafts_course_id")),
        sa.UniqueConstraint("slug", name=op.f("uq_course_drafts_slug")),
    )
    op.create_index(op.f("ix_course_drafts_centre_id"), "course_drafts", ["centre_id"])
    op.create_table(
        "published_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("package", sa.LargeBinary(), nullable=False),
        sa.Column("package_sha256", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_published_versions_centre_id_centres")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_published_versions_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_published_versions_published_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_versions")),
        sa.UniqueConstraint("course_id", "number", name=op.f("uq_published_versions_course_id")),
    )
    op.create_index(op.f("ix_published_versions_centre_id"), "published_versions", ["centre_id"])
    op.create_index(op.f("ix_published_versions_course_id"), "published_versions", ["course_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_published_versions_course_id"), table_name="published_versions")
    op.drop_index(op.f("ix_published_versions_centre_id"), table_name="published_versions")
    op.drop_table("published_versions")
    op.drop_index(op.f("ix_course_drafts_centre_id"), table_name="course_drafts")
    op.drop_table("course_drafts")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(batch.f("ck_users_author_is_staff"), type_="check")
        batch.drop_column("is_course_author")
