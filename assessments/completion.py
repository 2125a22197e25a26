"""Course completion and mastery of standards, both derived from the append-only records.

Completion: a course is complete for a trainee when every current lesson is complete, a quiz
attempt at the course has passed, and every practical evaluation the course requires has been
passed (the latest effective evaluation for that rubric). Completion emits `course_completed`.

Mastery: a trainee masters a standard when the most recent effective evidence for it (a quiz
result's percentage for the standard, a paper quiz, or a practical evaluation) meets the standard's
threshold and is no older than the longest certificate validity of the courses that cover it.
A correction replaces the record it corrects; the corrected record stays, marked as corrected.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from blinker import Namespace
from flask import current_app
from sqlalchemy import select

from accounts.models import User
from assessments.models import AttemptResult, Evaluation, QuizAttempt, Rubric, Standard
from courses.models import Course
from lms.db import db, utcnow

signals = Namespace()
course_completed = signals.signal("course-completed")


@dataclass(frozen=True)
class CompletionStatus:
    """What is done and what is missing for a course."""

    lessons_done: bool
    quiz_passed: bool
    practicals: dict[str, bool] = field(default_factory=dict)

    @property
    def is_complete(self) -> bool:
        return self.lessons_done and self.quiz_passed and all(self.practicals.values())


def effective_evaluations(trainee_ids: list[int]) -> list[Evaluation]:
    """Evaluations of these trainees that no later record corrects, newest first."""
    rows = db.session.scalars(
        select(Evaluation)
        .where(Evaluation.trainee_id.in_(trainee_ids))
        .order_by(Evaluation.observed_on.desc(), Evaluation.recorded_at.desc())
    ).all()
    corrected = {row.corrects_id for row in rows if row.corrects_id is not None}
    return [row for row in rows if row.id not in corrected]


def practicals_passed(trainee: User, rubric_codes: list[str]) -> dict[str, bool]:
    """For each rubric code: whether the latest effective evaluation of it passed."""
    if not rubric_codes:
        return {}
    rubric_code = dict(
        db.session.execute(
            select(Rubric.id, Rubric.code).where(Rubric.code.in_(rubric_codes))
        ).all()
    )
    latest: dict[str, bool] = {}
    for evaluation in effective_evaluations([trainee.id]):
        code = rubric_code.get(evaluation.rubric_id)
        if code is not None and code not in latest:
            latest[code] = evaluation.passed
    return {code: latest.get(code, False) for code in rubric_codes}


def paper_quiz_passed(trainee: User, course: Course) -> bool:
    """A paper quiz of the course taken on one day, with every standard of the course passed."""
    by_day: dict[Any, dict[str, bool]] = defaultdict(dict)
    for row in effective_evaluations([trainee.id]):
        if row.kind == "paper_quiz" and row.course_id == course.id:
            by_day[row.observed_on].setdefault(row.standard_code, row.passed)
    return any(all(day.get(code, False) for code in course.standards) for day in by_day.values())


def completion_status(trainee: User, course: Course) -> CompletionStatus:
    """Lessons, quiz and practicals of one course for one trainee."""
    from courses.services import progress_in

    quiz_passed = db.session.scalar(
        select(AttemptResult.id)
        .join(QuizAttempt)
        .where(
            QuizAttempt.user_id == trainee.id,
            QuizAttempt.course_id == course.id,
            AttemptResult.passed,
        )
        .limit(1)
    ) is not None or paper_quiz_passed(trainee, course)
    return CompletionStatus(
        progress_in(trainee, course).all_lessons_complete,
        quiz_passed,
        practicals_passed(trainee, course.practicals),
    )


def notify_if_complete(trainee: User, course: Course) -> bool:
    """Emit `course_completed` when the course is complete; receivers must be idempotent."""
    if not completion_status(trainee, course).is_complete:
        return False
    course_completed.send(current_app._get_current_object(), trainee=trainee, course=course)
    return True


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence for a standard."""

    at: datetime
    percent: float
    passed: bool
    source: str  # "quiz", "paper_quiz", "practical"


def mastery_for(
    trainee_ids: list[int], now: datetime | None = None
) -> dict[int, dict[str, dict[str, Any]]]:
    """For each trainee and standard: mastered or not, and the evidence it rests on.

    A fixed number of queries whatever the number of trainees.
    """
    now = now or utcnow()
    thresholds = {
        s.code: s.mastery_threshold
        for s in db.session.scalars(select(Standard).where(Standard.is_current))
    }
    validity = _validity_by_standard()
    evidence: dict[int, dict[str, list[Evidence]]] = defaultdict(lambda: defaultdict(list))
    _quiz_evidence(trainee_ids, thresholds, evidence)
    for row in effective_evaluations(trainee_ids):
        at = datetime.combine(row.observed_on, time(12), tzinfo=now.tzinfo)
        evidence[row.trainee_id][row.standard_code].append(
            Evidence(at, row.percent or 0.0, row.passed, row.kind)
        )
    result: dict[int, dict[str, dict[str, Any]]] = {}
    for trainee_id in trainee_ids:
        states = {}
        for code, items in evidence[trainee_id].items():
            latest = max(items, key=lambda e: e.at)
            months = validity.get(code, 36)
            fresh = (now - latest.at).days <= months * 30.44
            states[code] = {
                "mastered": latest.passed and fresh,
                "evidence": latest,
                "expired": not fresh,
            }
        result[trainee_id] = states
    return result


def _quiz_evidence(
    trainee_ids: list[int],
    thresholds: dict[str, int],
    evidence: dict[int, dict[str, list[Evidence]]],
) -> None:
    rows = db.session.execute(
        select(
            QuizAttempt.user_id,
            QuizAttempt.thresholds,
            AttemptResult.submitted_at,
            AttemptResult.by_standard,
        )
        .join(AttemptResult)
        .where(QuizAttempt.user_id.in_(trainee_ids))
    ).all()
    for user_id, attempt_thresholds, submitted_at, by_standard in rows:
        for code, percent in by_standard.items():
            threshold = attempt_thresholds.get(code, thresholds.get(code, 100))
            evidence[user_id][code].append(
                Evidence(submitted_at, percent, percent >= threshold, "quiz")
            )


def _validity_by_standard() -> dict[str, int]:
    validity: dict[str, int] = {}
    for course in db.session.scalars(select(Course)):
        for code in course.standards:
            validity[code] = max(validity.get(code, 0), course.validity_months)
    return validity


def notify_enrolled_courses(trainee_ids: list[int]) -> None:
    """After new evidence: check completion of every course these trainees are enrolled in."""
    from courses.models import Enrolment

    for enrolment in db.session.scalars(
        select(Enrolment).where(Enrolment.user_id.in_(trainee_ids))
    ):
        trainee = db.session.get(User, enrolment.user_id)
        if trainee is not None:
            notify_if_complete(trainee, enrolment.course)
