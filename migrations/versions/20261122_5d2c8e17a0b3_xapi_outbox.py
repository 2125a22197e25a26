"""xAPI statement outbox

Revision ID: 5d2c8e17a0b3
Revises: 3b7e5a91c2d4
Create Date: 2026-11-22 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import lms.db  # noqa: F401

revision = "5d2c8e17a0b3"
down_revision = "3b7e5a91c2d4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
