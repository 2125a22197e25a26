"""LTI 1.3 platforms, deployments, user links, nonces, resource links and grades

Revision ID: 3b7e5a91c2d4
Revises: 82f3d848dfa1
Create Date: 2026-11-22 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lms.db

revision = "3b7e5a91c2d4"
down_revision = "82f3d848dfa1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lti_launch_values",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("expires_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_lti_launch_values")),
    )
    with op.batch_alter_table("lti_launch_values", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lti_launch_values_expires_at"), ["expires_at"], unique=False
        )
    op.create_table(
        "lti_platforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("auth_login_url", sa.String(length=500), nullable=False),
        sa.Column("auth_token_url", sa.String(length=500), nullable=False),
        sa.Column("auth_audience", sa.String(length=500), nullable=True),
        sa.Column("key_set_url", sa.String(length=500), nullable=True),
        sa.Column("key_set", sa.JSON(), nullable=True),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_platforms")),
        sa.UniqueConstraint("issuer", "client_id", name=op.f("uq_lti_platforms_issuer")),
    )
    with op.batch_alter_table("lti_platforms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_platforms_issuer"), ["issuer"], unique=False)
    op.create_table(
        "lti_deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["lti_platforms.id"],
            name=op.f("fk_lti_deployments_platform_id_lti_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_deployments")),
        sa.UniqueConstraint(
            "platform_id", "deployment_id", name=op.f("uq_lti_deployments_platform_id")
        ),
    )
    with op.batch_alter_table("lti_deployments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lti_deployments_platform_id"), ["platform_id"], unique=False
        )
    op.create_table(
        "lti_resource_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("resource_link_id", sa.String(length=255), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("context_id", sa.String(length=255), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("lineitem_url", sa.String(length=1000), nullable=True),
        sa.Column("lineitems_url", sa.String(length=1000), nullable=True),
        sa.Column("ags_scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_lti_resource_links_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["lti_platforms.id"],
            name=op.f("fk_lti_resource_links_platform_id_lti_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_resource_links")),
        sa.UniqueConstraint(
            "platform_id", "resource_link_id", name=op.f("uq_lti_resource_links_platform_id")
        ),
    )
    with op.batch_alter_table("lti_resource_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lti_resource_links_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_lti_resource_links_platform_id"), ["platform_id"], unique=False
        )
    op.create_table(
        "lti_user_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_launch_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["lti_platforms.id"],
            name=op.f("fk_lti_user_links_platform_id_lti_platforms"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_lti_user_links_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_user_links")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_lti_user_links_issuer")),
    )
    with op.batch_alter_table("lti_user_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lti_user_links_platform_id"), ["platform_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_lti_user_links_user_id"), ["user_id"], unique=False)
    op.create_table(
        "lti_grade_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_link_id", sa.Integer(), nullable=False),
        sa.Column("resource_link_id", sa.Integer(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_score", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["lti_resource_links.id"],
            name=op.f("fk_lti_grade_targets_resource_link_id_lti_resource_links"),
        ),
        sa.ForeignKeyConstraint(
            ["user_link_id"],
            ["lti_user_links.id"],
            name=op.f("fk_lti_grade_targets_user_link_id_lti_user_links"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_grade_targets")),
        sa.UniqueConstraint(
            "user_link_id", "resource_link_id", name=op.f("uq_lti_grade_targets_user_link_id")
        ),
    )
    with op.batch_alter_table("lti_grade_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lti_grade_targets_resource_link_id"), ["resource_link_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_lti_grade_targets_user_link_id"), ["user_link_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("lti_grade_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_grade_targets_user_link_id"))
        batch_op.drop_index(batch_op.f("ix_lti_grade_targets_resource_link_id"))

    op.drop_table("lti_grade_targets")
    with op.batch_alter_table("lti_user_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_user_links_user_id"))
        batch_op.drop_index(batch_op.f("ix_lti_user_links_platform_id"))

    op.drop_table("lti_user_links")
    with op.batch_alter_table("lti_resource_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_resource_links_platform_id"))
        batch_op.drop_index(batch_op.f("ix_lti_resource_links_course_id"))

    op.drop_table("lti_resource_links")
    with op.batch_alter_table("lti_deployments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_deployments_platform_id"))

    op.drop_table("lti_deployments")
    with op.batch_alter_table("lti_platforms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_platforms_issuer"))

    op.drop_table("lti_platforms")
    with op.batch_alter_table("lti_launch_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_launch_values_expires_at"))

    op.drop_table("lti_launch_values")
