"""Certificates: issued once, rendered once, never rewritten; revocation is a separate record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from lms.db import Base, utcnow
from lms.scope import CentreOwned

REVOCATION_REASONS = ("misconduct", "issued_in_error", "identity_error", "other")


class Certificate(CentreOwned, Base):
    """A certificate as issued, with the PDF bytes every download serves and their SHA-256."""

    __tablename__ = "certificates"
    # The sequence number makes a concurrent double issuance fail instead of issuing twice.
    __table_args__ = (UniqueConstraint("trainee_id", "course_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(19), unique=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    sequence: Mapped[int]
    course_version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    holder_name: Mapped[str] = mapped_column(String(200))
    rank: Mapped[str | None] = mapped_column(String(64))
    service_number: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(3))
    course_title: Mapped[str] = mapped_column(String(300))
    # [{"code", "version", "title"}] as met at issuance.
    standards: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    centre: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_on: Mapped[date]
    expires_on: Mapped[date] = mapped_column(index=True)
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # Set when the retention policy removed the holder's name, number and the PDF (the SHA-256
    # stays, so the certificate can still be checked).
    holder_removed_at: Mapped[datetime | None]

    revocation: Mapped[CertificateRevocation | None] = relationship(
        back_populates="certificate", lazy="selectin"
    )

    def status_on(self, day: date) -> str:
        """valid, expired or revoked on a given day."""
        if self.revocation is not None:
            return "revoked"
        return "expired" if day > self.expires_on else "valid"


class CertificateRevocation(Base):
    """The revocation of a certificate: who, when, why. One per certificate."""

    __tablename__ = "certificate_revocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), unique=True)
    revoked_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)

    certificate: Mapped[Certificate] = relationship(back_populates="revocation")
