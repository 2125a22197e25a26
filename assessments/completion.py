"""Course completion and mastery of standards, both derived from the append-only records.

Completion: a course is complete for a trainee when every current lesson is complete, a quiz
attempt at the course has passed, and every practical evaluation the course requires has been
passed (the latest effective evaluation for that rubric). Completion emits `course_completed`,
once: the enrolment records when it was announced, and it is announced again only once that
completion has expired (the course's validity), when the trainee completes it anew.

Mastery: a trainee masters a standard when the most recent effective evidence for it (a quiz
result's percentage for the standard, a paper quiz, or a practical evaluation) meets the standard's
threshold and is no older than the longest certificate validity of the courses that cover it.
A correction replaces the record it corrects; the corrected record stays, marked as corrected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import select

from accounts.models import User
from assessments.models import AttemptResult, Evaluation, QuizAttempt, Rubric
from courses.models import Course, Enrolment
from courses.services import enrolment_for, progress_in
from lms.db import db, utcnow
from lms.events import course_completed, sender, together


@dataclass(frozen=True)
class CompletionStatus:
    """What is done and what is missing for a course."""

    lessons_done: bool
    quiz_passed: bool
    practicals: dict[str, bool] = field(default_factory=dict)

    @property
    def is_complete(self) -> bool:
        return self.lessons_done and self.quiz_passed and all(self.practicals.values())


def effective_evaluations(trainee_ids: Any) -> list[Any]:
    """Evaluations of these trainees (a list of ids or a subquery) that no later record corrects,
    newest first, as plain rows."""
    rows = db.session.execute(
        select(
            Evaluation.id,
            Evaluation.corrects_id,
            Evaluation.trainee_id,
            Evaluation.kind,
            Evaluation.course_id,
            Evaluation.rubric_id,
            Evaluation.standard_code,
            Evaluation.observed_on,
            Evaluation.percent,
            Evaluation.passed,
        )
        .where(Evaluation.trainee_id.in_(trainee_ids))
        .order_by(Evaluation.observed_on.desc(), Evaluation.recorded_at.desc())
    ).all()
    corrected = {row.corrects_id for row in rows if row.corrects_id is not None}
    return [row for row in rows if row.id not in corrected]


def latest_practicals(
    evaluations: list[Any], rubric_codes: dict[int, str]
) -> dict[tuple[int, str], bool]:
    """(trainee, rubric code) -> whether the latest effective practical of that rubric passed."""
    latest: dict[tuple[int, str], bool] = {}
    for row in evaluations:  # newest first
        if row.kind == "practical" and row.rubric_id in rubric_codes:
            latest.setdefault((row.trainee_id, rubric_codes[row.rubric_id]), row.passed)
    return latest


def paper_passes(
    evaluations: list[Any], course_standards: dict[int, list[str]]
) -> set[tuple[int, int]]:
    """(trainee, course) pairs with a paper quiz taken on one day that passed every standard."""
    by_day: dict[tuple[int, int, Any], dict[str, bool]] = defaultdict(dict)
    for row in evaluations:
        if row.kind == "paper_quiz" and row.course_id in course_standards:
            by_day[(row.trainee_id, row.course_id, row.observed_on)].setdefault(
                row.standard_code, row.passed
            )
    return {
        (trainee, course)
        for (trainee, course, _day), results in by_day.items()
        if all(results.get(code, False) for code in course_standards[course])
    }


def rubric_codes() -> dict[int, str]:
    """Every rubric version's id and code."""
    return dict(db.session.execute(select(Rubric.id, Rubric.code)).all())


def completion_status(trainee: User, course: Course) -> CompletionStatus:
    """Lessons, quiz and practicals of one course for one trainee."""
    evaluations = effective_evaluations([trainee.id])
    quiz_passed = db.session.scalar(
        select(AttemptResult.id)
        .join(QuizAttempt)
        .where(
            QuizAttempt.user_id == trainee.id,
            QuizAttempt.course_id == course.id,
            AttemptResult.passed,
        )
        .limit(1)
    ) is not None or (trainee.id, course.id) in paper_passes(
        evaluations, {course.id: course.standards}
    )
    practicals = latest_practicals(evaluations, rubric_codes())
    return CompletionStatus(
        progress_in(trainee, course).all_lessons_complete,
        quiz_passed,
        {code: practicals.get((trainee.id, code), False) for code in course.practicals},
    )


DAYS_PER_MONTH = 30.44


def already_announced(enrolment: Enrolment | None, course: Course, now: datetime) -> bool:
    """Whether the course's completion was announced and has not expired since."""
    if enrolment is None or enrolment.completed_at is None:
        return False
    return (now - enrolment.completed_at).days <= course.validity_months * DAYS_PER_MONTH


def notify_if_complete(trainee: User, course: Course, enrolment: Enrolment | None = None) -> bool:
    """Whether the course is complete; emits `course_completed` the first time (see the module)."""
    enrolment = enrolment or enrolment_for(trainee, course)
    return already_announced(enrolment, course, utcnow()) or _announce_if_complete(
        trainee, course, enrolment
    )


def _announce_if_complete(trainee: User, course: Course, enrolment: Enrolment | None) -> bool:
    """Emit `course_completed` (and note it on the enrolment) if the course is complete."""
    if not completion_status(trainee, course).is_complete:
        return False
    if enrolment is not None:
        enrolment.completed_at = utcnow()
    course_completed.send(sender(), trainee=trainee, course=course)
    return True


class Evidence(NamedTuple):
    """The evidence a trainee's mastery of a standard rests on."""

    on: date
    passed: bool
    source: str  # "quiz", "paper_quiz", "practical"


def latest_evidence(
    attempts: Sequence[Any], evaluations: Sequence[Any]
) -> dict[tuple[int, str], Evidence]:
    """(trainee, standard) -> the most recent evidence.

    `attempts` are rows with user_id, thresholds, by_standard and submitted_at (None while open);
    `evaluations` come from effective_evaluations.
    """
    latest: dict[tuple[int, str], Evidence] = {}
    for row in attempts:
        if row.by_standard is None or row.submitted_at is None:
            continue
        day, thresholds = row.submitted_at.date(), row.thresholds
        for code, percent in row.by_standard.items():
            key = (row.user_id, code)
            previous = latest.get(key)
            if previous is None or day >= previous.on:
                latest[key] = Evidence(day, percent >= thresholds.get(code, 100), "quiz")
    for row in evaluations:
        key = (row.trainee_id, row.standard_code)
        previous = latest.get(key)
        if previous is None or row.observed_on >= previous.on:
            latest[key] = Evidence(row.observed_on, row.passed, row.kind)
    return latest


def is_fresh(evidence: Evidence, validity_months: int, today: date) -> bool:
    """Evidence counts while it is no older than the validity (months) of the standard's courses."""
    return (today - evidence.on).days <= validity_months * DAYS_PER_MONTH


def mastery_for(
    trainee_ids: list[int], now: datetime | None = None
) -> dict[int, dict[str, dict[str, Any]]]:
    """For each trainee and standard: mastered or not, and the evidence it rests on."""
    today = (now or utcnow()).date()
    attempts = db.session.execute(
        select(
            QuizAttempt.user_id,
            QuizAttempt.thresholds,
            AttemptResult.by_standard,
            AttemptResult.submitted_at,
        )
        .join(AttemptResult)
        .where(QuizAttempt.user_id.in_(trainee_ids))
    ).all()
    validity = validity_by_standard()
    result: dict[int, dict[str, dict[str, Any]]] = {trainee_id: {} for trainee_id in trainee_ids}
    for (trainee_id, code), evidence in latest_evidence(
        attempts, effective_evaluations(trainee_ids)
    ).items():
        fresh = is_fresh(evidence, validity.get(code, 36), today)
        result[trainee_id][code] = {
            "mastered": evidence.passed and fresh,
            "evidence": evidence,
            "expired": not fresh,
        }
    return result


def validity_by_standard() -> dict[str, int]:
    """For each standard, the longest certificate validity (months) of the courses covering it."""
    validity: dict[str, int] = {}
    for course in db.session.scalars(select(Course)):
        for code in course.standards:
            validity[code] = max(validity.get(code, 0), course.validity_months)
    return validity


def _unannounced(trainee_ids: list[int], now: datetime) -> list[tuple[User, Enrolment]]:
    """The enrolments of these trainees whose completion has not been announced (or expired)."""
    enrolled = db.session.execute(
        select(User, Enrolment)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(User.id.in_(trainee_ids))
        .order_by(User.id, Enrolment.id)
    )
    return [(t, e) for t, e in enrolled if not already_announced(e, e.course, now)]


def pending_completions(trainee_ids: list[int]) -> list[tuple[User, Course]]:
    """The courses these trainees have completed whose completion is still to be announced
    (reads only: a job prepares their certificates before it writes anything)."""
    return [
        (trainee, enrolment.course)
        for trainee, enrolment in _unannounced(trainee_ids, utcnow())
        if completion_status(trainee, enrolment.course).is_complete
    ]


def notify_enrolled_courses(trainee_ids: list[int]) -> int:
    """After new evidence: check completion of every course these trainees are enrolled in and
    not completed yet; returns how many completions were announced.

    A cohort's form may complete a course for many trainees: the completions are sent inside
    one `lms.events.together()` block, so that their certificates are rendered together.
    """
    announced = 0
    with together():
        for trainee, enrolment in _unannounced(trainee_ids, utcnow()):
            announced += _announce_if_complete(trainee, enrolment.course, enrolment)
    return announced
