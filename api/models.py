"""Models of the api package: access tokens of personnel systems and the cohorts they may read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from cohorts.models import Cohort
from lms.db import Base, utcnow
from lms.scope import CentreOwned

api_token_cohorts = Table(
    "api_token_cohorts",
    Base.metadata,
    Column("token_id", ForeignKey("api_tokens.id"), primary_key=True),
    Column("cohort_id", ForeignKey("cohorts.id"), primary_key=True, index=True),
)


class ApiToken(CentreOwned, Base):
    """An access token of the read API; only the SHA-256 of the secret is kept.

    The scope is fixed at creation: every cohort, or the listed ones. Revoking sets `revoked_at`
    (and is recorded in the audit log); a token is never deleted.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the secret, shown in lists and logs to tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    is_all_cohorts: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    cohorts: Mapped[list[Cohort]] = relationship(secondary=api_token_cohorts)
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def status_at(self, moment: datetime) -> str:
        """active, expired or revoked at a given moment."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= moment:
            return "expired"
        return "active"
