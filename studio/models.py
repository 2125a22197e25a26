"""The studio's records: a centre's course drafts and the versions published from them.

Both hold a course package in its exchange format, a deterministic ZIP (studio.package_zip), so
that what is stored, exported, imported and published is one and the same thing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from lms.db import Base, utcnow
from lms.scope import CentreOwned


class CourseDraft(CentreOwned, Base):
    """The package an author edits, one per course of a centre. `revision` goes up with every
    save (SQLAlchemy's version counter: an UPDATE names the revision it read, so a save made on
    a revision that changed meanwhile updates nothing and is refused, never lost)."""

    __tablename__ = "course_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The course's identity; unique on the whole installation, like Course.slug.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    # Set by the first publication; the course (and its trainees' records) stays afterwards.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), unique=True)
    package: Mapped[bytes] = mapped_column(LargeBinary)
    package_sha256: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(default=1)
    # Where the draft came from: "new", "copy:<bundled slug>", "import", "version:<number>".
    origin: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    updated_by: Mapped[User] = relationship(lazy="joined")

    # Raised by saves only (drafts.save_draft); every UPDATE still names the revision it read.
    __mapper_args__: dict[str, Any] = {"version_id_col": revision, "version_id_generator": False}


class PublishedVersion(CentreOwned, Base):
    """A version of a centre's course as published: the package, its content hash, who and when.
    Append-only: a row is never changed (a before_update hook refuses it)."""

    __tablename__ = "published_versions"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    number: Mapped[int]  # 1, 2, 3... in the order of publication
    version: Mapped[str] = mapped_column(String(32))  # the package's own version ("1.1")
    package: Mapped[bytes] = mapped_column(LargeBinary)
    package_sha256: Mapped[str] = mapped_column(String(64))
    # studio.sync.package_hash: the fingerprint of the content that the loader keeps per course.
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    published_by: Mapped[User] = relationship(lazy="joined")


class PublishedVersionChanged(RuntimeError):
    """Code tried to change a published version (a programming error: publish a new one)."""


@event.listens_for(PublishedVersion, "before_update")
@event.listens_for(PublishedVersion, "before_delete")
def _refuse_changes(_mapper: Any, _connection: Any, target: PublishedVersion) -> None:
    raise PublishedVersionChanged(f"published version {target.id} is immutable")
