"""Cohorts: a group of trainees (a battalion, a police unit) run by one or more trainers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Centre, User
from courses.models import Course
from lms.db import Base, utcnow
from lms.scope import CentreOwned

cohort_trainers = Table(
    "cohort_trainers",
    Base.metadata,
    Column("cohort_id", ForeignKey("cohorts.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)
cohort_members = Table(
    "cohort_members",
    Base.metadata,
    Column("cohort_id", ForeignKey("cohorts.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)
cohort_courses = Table(
    "cohort_courses",
    Base.metadata,
    Column("cohort_id", ForeignKey("cohorts.id"), primary_key=True),
    Column("course_id", ForeignKey("courses.id"), primary_key=True),
)


class Cohort(CentreOwned, Base):
    """A group of trainees preparing to deploy together."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(3))
    unit: Mapped[str | None] = mapped_column(String(200))
    mission: Mapped[str | None] = mapped_column(String(16))
    deployment_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    centre: Mapped[Centre] = relationship()
    trainers: Mapped[list[User]] = relationship(secondary=cohort_trainers)
    members: Mapped[list[User]] = relationship(secondary=cohort_members)
    courses: Mapped[list[Course]] = relationship(secondary=cohort_courses)


class RosterImport(CentreOwned, Base):
    """An uploaded roster, validated and waiting for the trainer's confirmation (then applied once)."""

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(200))
    # [{"line", "values", "errors": [text], "action"}]
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    error_count: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None]


class TransferRequest(CentreOwned, Base):
    """A request to move a trainee: into a trainer's cohort from another cohort of the centre
    (decided by the centre's administrator), or to another centre (asked by the trainee's centre's
    administrator, decided by the receiving centre's).

    Decided once; the decision is a change of this row (who, when, what), recorded in the audit
    log. Approved, the trainee leaves their other cohorts and joins the requesting one, or moves
    to the other centre.
    """

    __tablename__ = "transfer_requests"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'approved', 'refused')", name="state_known"),
        CheckConstraint("(to_cohort_id IS NULL) <> (to_centre_id IS NULL)", name="one_destination"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Within the centre: the cohort that asked. To another centre: that centre, whose
    # administrator decides (the trainee then belongs to it, with their certificates).
    to_cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id"), index=True)
    to_centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
    to_cohort: Mapped[Cohort | None] = relationship()
    to_centre: Mapped[Centre | None] = relationship(foreign_keys=[to_centre_id])
    centre: Mapped[Centre] = relationship(foreign_keys="TransferRequest.centre_id")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
