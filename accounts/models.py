"""People: one User table for trainees, trainers and admins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, utcnow


class Role(StrEnum):
    """The three roles of the product."""

    TRAINEE = "trainee"
    TRAINER = "trainer"
    ADMIN = "admin"


class User(UserMixin, Base):
    """A person who signs in: trainees by service number, trainers and admins by e-mail."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('trainee', 'trainer', 'admin')", name="role_known"),
        CheckConstraint(
            "role <> 'trainee' OR service_number IS NOT NULL", name="trainee_has_service_number"
        ),
        CheckConstraint("role = 'trainee' OR email IS NOT NULL", name="staff_has_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    service_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    rank: Mapped[str | None] = mapped_column(String(64))
    gender: Mapped[str | None] = mapped_column(String(1))
    nationality: Mapped[str | None] = mapped_column(String(3))
    unit: Mapped[str | None] = mapped_column(String(200))
    preferred_language: Mapped[str] = mapped_column(String(8), default="en")
    credential_hash: Mapped[str] = mapped_column(String(255))
    is_credential_temporary: Mapped[bool] = mapped_column(default=True)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # Bumped whenever the credential changes, which signs out every other session.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    credential_changed_at: Mapped[datetime | None]
    last_sign_in_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:  # Flask-Login's name for "may sign in"
        return self.is_enabled

    def get_id(self) -> str:
        """The session identity: the id and the credential version together."""
        return f"{self.id}:{self.session_version}"

    @property
    def uses_pin(self) -> bool:
        """Trainees hold a PIN (or a password they chose); staff hold passwords."""
        return self.role == Role.TRAINEE

    @property
    def sign_in_name(self) -> str:
        """What the person types to sign in."""
        return self.service_number or self.email or ""

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
