"""Open Badges 3.0: no table (badges are built on demand from the stored certificates)

Revision ID: 7f41b09e6c25
Revises: 5d2c8e17a0b3
Create Date: 2026-11-22 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import lms.db  # noqa: F401

revision = "7f41b09e6c25"
down_revision = "5d2c8e17a0b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # nothing to store: a badge is a pure function of its certificate and the issuer key


def downgrade() -> None:
    pass
