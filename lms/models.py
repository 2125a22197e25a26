"""Imports every model of the product, so that the metadata is complete (Alembic, tests)."""

from accounts.models import User  # noqa: F401
from lms.audit import AuditEvent  # noqa: F401
