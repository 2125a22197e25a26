"""Assessment records: versioned standards, questions and rubrics; quiz attempts with their served
items, answers and results, and practical or paper-quiz evaluations (these are never updated)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow
from lms.scope import CentreOwned


class Standard(CentreOwned, Base):
    """One version of a standard; a changed standard is a new row, never an update. `centre_id`
    NULL: the shared UN catalog (assessments/standards); else a centre's own, carried by its course
    packages, seen by that centre only (lms/scope.py). A code is unique on the installation: codes
    are what attempts, evaluations and certificates refer to, also where no centre is acting."""

    SHARED_WHEN_UNOWNED = True

    __tablename__ = "standards"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int]
    domain: Mapped[str] = mapped_column(String(8))
    mastery_threshold: Mapped[int]
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(default=True)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Question(Base):
    """A question of a course's bank; an edited question is a new row, the old one retired."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("course_id", "qid", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    qid: Mapped[str] = mapped_column(String(64))
    standard_code: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(default=True)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rubric(CentreOwned, Base):
    """One version of a practical-evaluation rubric: the UN catalog's (`centre_id` NULL) or a
    centre's own, as for standards."""

    SHARED_WHEN_UNOWNED = True

    __tablename__ = "rubrics"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int]
    standard_code: Mapped[str] = mapped_column(String(16))
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    instructions: Mapped[dict[str, str]] = mapped_column(JSON)
    time_limit_seconds: Mapped[int | None]
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(default=True)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuizAttempt(Base):
    """A quiz attempt as started: who, which course version, when it must end. Never updated."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    number: Mapped[int]
    course_version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    pass_mark: Mapped[int]
    # The mastery threshold of each standard version, as it was when the attempt started.
    thresholds: Mapped[dict[str, int]] = mapped_column(JSON)
    standard_versions: Mapped[dict[str, int]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime]

    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", order_by="AttemptItem.position", lazy="selectin"
    )
    result: Mapped[AttemptResult | None] = relationship(back_populates="attempt", lazy="selectin")


class AttemptItem(Base):
    """Exactly what one question of an attempt showed: texts and shuffled options. Never updated."""

    __tablename__ = "attempt_items"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id"), index=True)
    position: Mapped[int]
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    standard_code: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    # {"text", "case", "explanation", "language", "options": [{"key", "option_id", "text"}]}
    served: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Option keys of the right answer: kept on the server, shown only after submission.
    correct_keys: Mapped[list[str]] = mapped_column(JSON)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="items")


class AnswerRecord(Base):
    """An answer as saved, with its time. Every save is a new row; the last one before the
    deadline is the one that counts."""

    __tablename__ = "answer_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("attempt_items.id"), index=True)
    chosen_keys: Mapped[list[str]] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


class AttemptResult(Base):
    """The one result of an attempt (the unique attempt_id makes a double submission count once)."""

    __tablename__ = "attempt_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id"), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[str] = mapped_column(String(16))  # "trainee" or "deadline"
    percent: Mapped[float]
    by_standard: Mapped[dict[str, float]] = mapped_column(JSON)
    passed: Mapped[bool]
    # The answer counted for each item: {item_id: [keys]} (a copy, so the result explains itself).
    counted_answers: Mapped[dict[str, list[str]]] = mapped_column(JSON)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="result")


class Evaluation(Base):
    """Evidence recorded by a trainer: an observed practical, or a paper quiz taken in class.
    Append-only: a correction is a new row that points at the one it corrects."""

    __tablename__ = "evaluations"
    __table_args__ = (CheckConstraint("kind IN ('practical', 'paper_quiz')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    rubric_id: Mapped[int | None] = mapped_column(ForeignKey("rubrics.id"))
    standard_code: Mapped[str] = mapped_column(String(16), index=True)
    standard_version: Mapped[int]
    observed_on: Mapped[date]
    # practical: {criterion_id: {"met": bool, "note": str}}; paper quiz: {}
    criteria_results: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    measured_seconds: Mapped[int | None]
    percent: Mapped[float | None]  # paper quiz: the standard's percentage
    passed: Mapped[bool]
    notes: Mapped[str | None] = mapped_column(Text)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("evaluations.id"), unique=True)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
