"""read API tokens

Revision ID: 9a6d3f2e18b7
Revises: 7f41b09e6c25
Create Date: 2026-11-22 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import lms.db  # noqa: F401

revision = "9a6d3f2e18b7"
down_revision = "7f41b09e6c25"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
