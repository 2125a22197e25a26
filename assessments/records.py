"""The assessments' part of a person's own record: quiz attempts and evaluations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from accounts.models import User
from assessments.models import Evaluation, QuizAttempt
from courses.models import Course
from lms.db import db


def attempts_record(user: User) -> list[dict[str, Any]]:
    """Every quiz attempt with its result."""
    rows = db.session.execute(
        select(QuizAttempt, Course)
        .join(Course, Course.id == QuizAttempt.course_id)
        .where(QuizAttempt.user_id == user.id)
        .order_by(QuizAttempt.started_at)
    ).all()
    return [
        {
            "course": course.title_in(user.preferred_language),
            "number": attempt.number,
            "started_at": attempt.started_at.isoformat(),
            "submitted_at": attempt.result.submitted_at.isoformat() if attempt.result else None,
            "percent": attempt.result.percent if attempt.result else None,
            "passed": attempt.result.passed if attempt.result else None,
            "by_standard": attempt.result.by_standard if attempt.result else None,
        }
        for attempt, course in rows
    ]


def evaluations_record(user: User) -> list[dict[str, Any]]:
    """Every evaluation recorded about the person, corrections included."""
    evaluations = db.session.scalars(
        select(Evaluation).where(Evaluation.trainee_id == user.id).order_by(Evaluation.recorded_at)
    ).all()
    return [
        {
            "kind": evaluation.kind,
            "standard": f"{evaluation.standard_code} v{evaluation.standard_version}",
            "observed_on": evaluation.observed_on.isoformat(),
            "passed": evaluation.passed,
            "percent": evaluation.percent,
            "notes": evaluation.notes,
            "corrects": evaluation.corrects_id,
            "correction_reason": evaluation.correction_reason,
            "recorded_at": evaluation.recorded_at.isoformat(),
        }
        for evaluation in evaluations
    ]


def personal_record(user: User) -> dict[str, Any]:
    """This domain's sections of a person's own record (the `personal_record` extension point)."""
    return {
        "quiz_attempts": attempts_record(user),
        "evaluations": evaluations_record(user),
    }
