"""People: one User table for trainees, trainers and admins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import cast

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow
from lms.scope import CentreOwned

DEFAULT_RETENTION_YEARS = 10


class Role(StrEnum):
    """The roles of the product. ADMIN is a centre's administrator."""

    TRAINEE = "trainee"
    TRAINER = "trainer"
    ADMIN = "admin"
    PLATFORM_ADMIN = "platform_admin"


class Centre(Base):
    """A training centre: it owns its people, cohorts, courses, certificates and connections."""

    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # ISO 3166-1 alpha-3: the default nationality of its trainees and of the sign-in form.
    country: Mapped[str | None] = mapped_column(String(3))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The issuer printed on certificates and slips; the name when empty.
    certificate_name: Mapped[str | None] = mapped_column(String(200))
    # Addresses that leave the app (QR codes, badges) for this centre, when not the platform's.
    public_base_url: Mapped[str | None] = mapped_column(String(300))
    retention_years: Mapped[int] = mapped_column(default=DEFAULT_RETENTION_YEARS)
    # IANA name ("Africa/Kinshasa"): times shown to its people are local, with UTC beside them.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def issuer_name(self) -> str:
        """The name printed on what the centre issues."""
        return self.certificate_name or self.name

    def __repr__(self) -> str:
        return f"<Centre {self.id} {self.name!r}>"


class User(UserMixin, CentreOwned, Base):
    """A person who signs in: trainees by service number, staff by e-mail.

    Everyone but a platform administrator belongs to one centre. A service number is unique
    within its country and centre: two countries may both issue "12345".
    """

    __tablename__ = "users"
    CENTRE_OPTIONAL = True  # platform administrators belong to no centre
    __table_args__ = (
        CheckConstraint(
            "role IN ('trainee', 'trainer', 'admin', 'platform_admin')", name="role_known"
        ),
        CheckConstraint(
            "role <> 'trainee' OR service_number IS NOT NULL", name="trainee_has_service_number"
        ),
        CheckConstraint("role = 'trainee' OR email IS NOT NULL", name="staff_has_email"),
        CheckConstraint(
            "NOT is_course_author OR role IN ('trainer', 'admin')", name="author_is_staff"
        ),
        CheckConstraint(
            "role = 'platform_admin' OR centre_id IS NOT NULL", name="member_of_a_centre"
        ),
        UniqueConstraint(
            "centre_id",
            "nationality",
            "service_number",
            name="uq_users_centre_nationality_service_number",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    service_number: Mapped[str | None] = mapped_column(String(32), index=True)
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
    # Course author of the centre (granted by its administrator): a permission on top of the role,
    # since a trainer or an administrator may also author (docs/architecture.md).
    is_course_author: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Bumped whenever the credential changes, which signs out every other session.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    credential_changed_at: Mapped[datetime | None]
    last_sign_in_at: Mapped[datetime | None]
    # Set when the retention policy replaced the person's identity (see certificates/retention.py).
    pseudonymised_at: Mapped[datetime | None]

    centre: Mapped[Centre | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login's name for "may sign in"
        return self.is_enabled

    # The server-side session (UserSession.id) this object was signed in or loaded with, set by
    # accounts.login; not a column (hence no annotation, which declarative would map: a cast
    # gives its type).
    session_id = cast("str | None", None)

    def get_id(self) -> str:
        """The session identity: the id, the credential version and the server-side session."""
        return f"{self.id}:{self.session_version}:{self.session_id or ''}"

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


class UserSession(Base):
    """One signed-in browser: its random id is part of the cookie's identity. Signing out ends it
    (the cookie no longer works, even replayed); the person's other browsers keep theirs."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Refreshed at most every few minutes (accounts.login.TOUCH_INTERVAL), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
