"""The cohort dashboard: progress matrix, mastery, readiness for deployment, breakdowns.

Everything is computed from a fixed number of queries, whatever the size of the cohort.

Statuses per trainee and required course: "certified" (a valid certificate), "expired" (only
expired or revoked certificates), "passed" (quiz passed, certificate not issued yet: a practical
evaluation is missing), "in_progress" (some lesson or an attempt), "not_started".

Readiness: a trainee is ready when, for every required course, they hold a certificate that is not
revoked and is valid through the deployment date (or through today when no date is set).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from accounts.models import User
from assessments.models import AttemptResult, Evaluation, QuizAttempt, Rubric
from certificates.models import Certificate, CertificateRevocation
from cohorts.models import Cohort, cohort_members
from courses.models import Course, Enrolment, Lesson, LessonProgress
from lms.db import db

STATUSES = ("not_started", "in_progress", "passed", "certified", "expired")


@dataclass
class Blocker:
    """Why a trainee is not ready for one course."""

    course: str
    reason: str  # "no_certificate", "expires_before_deployment", "revoked", "expired"
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class TraineeRow:
    """One trainee's line on the dashboard."""

    user_id: int
    name: str
    service_number: str
    rank: str
    gender: str
    unit: str
    statuses: dict[str, str] = field(default_factory=dict)  # course slug -> status
    mastery: dict[str, bool | None] = field(
        default_factory=dict
    )  # standard -> mastered (None: no evidence)
    blockers: list[Blocker] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.blockers


@dataclass
class Dashboard:
    """Everything the dashboard, its exports and the readiness report show."""

    cohort: Cohort
    courses: list[Course]
    standards: list[str]
    rows: list[TraineeRow]
    target_date: date

    def breakdown(self, attribute: str) -> list[tuple[str, int, int]]:
        """(value, trainees, ready) per gender or rank, largest group first."""
        total, ready = Counter(), Counter()
        for row in self.rows:
            key = getattr(row, attribute) or "—"
            total[key] += 1
            ready[key] += row.ready
        return [(key, total[key], ready[key]) for key, _ in total.most_common()]

    def status_counts(self) -> dict[str, Counter]:  # type: ignore[type-arg]
        """Per course: how many trainees in each status."""
        counts: dict[str, Counter] = {c.slug: Counter() for c in self.courses}  # type: ignore[type-arg]
        for row in self.rows:
            for slug, status in row.statuses.items():
                counts[slug][status] += 1
        return counts

    def mastery_share(self) -> dict[str, tuple[int, int]]:
        """Per standard: (trainees who master it, trainees with any evidence)."""
        shares = {}
        for code in self.standards:
            values = [row.mastery.get(code) for row in self.rows]
            shares[code] = (sum(1 for v in values if v), sum(1 for v in values if v is not None))
        return shares

    @property
    def ready_count(self) -> int:
        return sum(row.ready for row in self.rows)


def build_dashboard(cohort: Cohort, today: date) -> Dashboard:
    """Compute the dashboard of a cohort (a fixed number of queries)."""
    courses = sorted(cohort.courses, key=lambda c: c.slug)
    members = db.session.execute(
        select(User.id, User.full_name, User.service_number, User.rank, User.gender, User.unit)
        .join(cohort_members, cohort_members.c.user_id == User.id)
        .where(cohort_members.c.cohort_id == cohort.id)
        .order_by(User.full_name)
    ).all()
    ids = [m.id for m in members]
    course_ids = [c.id for c in courses]
    facts = _load_facts(ids, course_ids)
    target = cohort.deployment_date or today
    standards = sorted({code for c in courses for code in c.standards})
    rows = []
    for m in members:
        row = TraineeRow(
            m.id, m.full_name, m.service_number or "", m.rank or "", m.gender or "", m.unit or ""
        )
        for course in courses:
            row.statuses[course.slug] = _status(m.id, course, facts, today)
            blocker = _blocker(m.id, course, facts, target, today)
            if blocker:
                row.blockers.append(blocker)
        row.mastery = {code: facts.mastery.get((m.id, code), (None, 0))[0] for code in standards}
        rows.append(row)
    return Dashboard(cohort, courses, standards, rows, target)


@dataclass
class _Facts:
    lessons: dict[int, set[tuple[int, str]]]  # course_id -> {(lesson_id, hash)}
    done: dict[tuple[int, int], set[tuple[int, str]]]  # (user, course) -> completed (lesson, hash)
    enrolled: set[tuple[int, int]]
    attempted: set[tuple[int, int]]
    quiz_passed: set[tuple[int, int]]
    practical_passed: dict[tuple[int, str], bool]  # (user, rubric code) latest effective
    certificates: dict[
        tuple[int, int], list[tuple[date, bool]]
    ]  # (user, course) -> [(expires_on, revoked)]
    mastery: dict[tuple[int, str], tuple[bool | None, int]]


def _load_facts(ids: list[int], course_ids: list[int]) -> _Facts:
    lessons: dict[int, set[tuple[int, str]]] = defaultdict(set)
    lesson_course = {}
    for lesson_id, course_id, content_hash in db.session.execute(
        select(Lesson.id, Lesson.course_id, Lesson.content_hash).where(
            Lesson.course_id.in_(course_ids), Lesson.is_current
        )
    ):
        lessons[course_id].add((lesson_id, content_hash))
        lesson_course[lesson_id] = course_id
    done: dict[tuple[int, int], set[tuple[int, str]]] = defaultdict(set)
    for user_id, lesson_id, content_hash in db.session.execute(
        select(LessonProgress.user_id, LessonProgress.lesson_id, LessonProgress.content_hash).where(
            LessonProgress.user_id.in_(ids), LessonProgress.lesson_id.in_(list(lesson_course))
        )
    ):
        done[(user_id, lesson_course[lesson_id])].add((lesson_id, content_hash))
    enrolled = {
        (user_id, course_id)
        for user_id, course_id in db.session.execute(
            select(Enrolment.user_id, Enrolment.course_id).where(
                Enrolment.user_id.in_(ids), Enrolment.course_id.in_(course_ids)
            )
        )
    }
    attempts = db.session.execute(
        select(
            QuizAttempt.user_id,
            QuizAttempt.course_id,
            QuizAttempt.thresholds,
            AttemptResult.passed,
            AttemptResult.by_standard,
            AttemptResult.submitted_at,
        )
        .outerjoin(AttemptResult)
        .where(QuizAttempt.user_id.in_(ids))
    ).all()
    evaluations = _effective_evaluations(ids)
    rubric_codes = dict(db.session.execute(select(Rubric.id, Rubric.code)).all())
    return _Facts(
        lessons=lessons,
        done=done,
        enrolled=enrolled,
        attempted={(a.user_id, a.course_id) for a in attempts},
        quiz_passed={(a.user_id, a.course_id) for a in attempts if a.passed}
        | _paper_passes(evaluations, course_ids),
        practical_passed=_latest_practicals(evaluations, rubric_codes),
        certificates=_certificates(ids, course_ids),
        mastery=_mastery(attempts, evaluations),
    )


def _effective_evaluations(ids: list[int]) -> list[Evaluation]:
    rows = db.session.scalars(
        select(Evaluation)
        .where(Evaluation.trainee_id.in_(ids))
        .order_by(Evaluation.observed_on.desc(), Evaluation.recorded_at.desc())
    ).all()
    corrected = {row.corrects_id for row in rows if row.corrects_id}
    return [row for row in rows if row.id not in corrected]


def _paper_passes(evaluations: list[Evaluation], course_ids: list[int]) -> set[tuple[int, int]]:
    wanted = {
        c.id: set(c.standards)
        for c in db.session.scalars(select(Course).where(Course.id.in_(course_ids)))
    }
    by_day: dict[tuple[int, int, date], dict[str, bool]] = defaultdict(dict)
    for e in evaluations:
        if e.kind == "paper_quiz" and e.course_id in wanted:
            by_day[(e.trainee_id, e.course_id, e.observed_on)].setdefault(e.standard_code, e.passed)
    return {
        (user, course)
        for (user, course, _), results in by_day.items()
        if all(results.get(code, False) for code in wanted[course])
    }


def _latest_practicals(
    evaluations: list[Evaluation], rubric_codes: dict[int, str]
) -> dict[tuple[int, str], bool]:
    latest: dict[tuple[int, str], bool] = {}
    for e in evaluations:  # newest first
        if e.kind == "practical" and e.rubric_id in rubric_codes:
            latest.setdefault((e.trainee_id, rubric_codes[e.rubric_id]), e.passed)
    return latest


def _certificates(
    ids: list[int], course_ids: list[int]
) -> dict[tuple[int, int], list[tuple[date, bool]]]:
    found: dict[tuple[int, int], list[tuple[date, bool]]] = defaultdict(list)
    for user_id, course_id, expires_on, revocation_id in db.session.execute(
        select(
            Certificate.trainee_id,
            Certificate.course_id,
            Certificate.expires_on,
            CertificateRevocation.id,
        )
        .outerjoin(CertificateRevocation)
        .where(Certificate.trainee_id.in_(ids), Certificate.course_id.in_(course_ids))
    ):
        found[(user_id, course_id)].append((expires_on, revocation_id is not None))
    return found


def _mastery(
    attempts: list[Any], evaluations: list[Evaluation]
) -> dict[tuple[int, str], tuple[bool | None, int]]:
    latest: dict[tuple[int, str], tuple[Any, bool]] = {}
    for a in attempts:
        if a.by_standard is None:
            continue
        for code, percent in a.by_standard.items():
            key = (a.user_id, code)
            passed = percent >= a.thresholds.get(code, 100)
            if key not in latest or a.submitted_at.date() >= latest[key][0]:
                latest[key] = (a.submitted_at.date(), passed)
    for e in evaluations:
        key = (e.trainee_id, e.standard_code)
        if key not in latest or e.observed_on >= latest[key][0]:
            latest[key] = (e.observed_on, e.passed)
    return {key: (passed, 1) for key, (_, passed) in latest.items()}


def _status(user_id: int, course: Course, facts: _Facts, today: date) -> str:
    certificates = facts.certificates.get((user_id, course.id), [])
    if any(expires >= today and not revoked for expires, revoked in certificates):
        return "certified"
    if certificates:
        return "expired"
    key = (user_id, course.id)
    if key in facts.quiz_passed:
        return "passed"
    if facts.done.get(key) or key in facts.attempted:
        return "in_progress"
    return "not_started"


def _blocker(
    user_id: int, course: Course, facts: _Facts, target: date, today: date
) -> Blocker | None:
    certificates = facts.certificates.get((user_id, course.id), [])
    valid = [expires for expires, revoked in certificates if not revoked and expires >= today]
    if valid and max(valid) >= target:
        return None
    if valid:
        return Blocker(course.slug, "expires_before_deployment", {"expires_on": max(valid)})
    if any(revoked for _, revoked in certificates):
        return Blocker(course.slug, "revoked")
    key = (user_id, course.id)
    done = len(facts.done.get(key, set()) & facts.lessons.get(course.id, set()))
    missing = [
        code for code in course.practicals if not facts.practical_passed.get((user_id, code), False)
    ]
    return Blocker(
        course.slug,
        "expired" if certificates else "no_certificate",
        {
            "lessons_done": done,
            "lessons_total": len(facts.lessons.get(course.id, ())),
            "quiz_passed": key in facts.quiz_passed,
            "practicals_missing": missing,
        },
    )
