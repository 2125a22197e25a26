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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select

from accounts.models import User
from assessments.completion import (
    effective_evaluations,
    is_fresh,
    latest_evidence,
    latest_practicals,
    paper_passes,
    rubric_codes,
    validity_by_standard,
)
from assessments.models import AttemptResult, QuizAttempt
from certificates.models import Certificate, CertificateRevocation
from cohorts.models import Cohort, cohort_members
from courses.models import Course, Enrolment, Lesson, LessonProgress
from lms.db import db
from lms.perf import cyclic_gc_paused

STATUSES = ("not_started", "in_progress", "passed", "certified", "expired")


@dataclass
class Blocker:
    """Why a trainee is not ready for one course."""

    course: str
    reason: str  # "no_certificate", "expires_before_deployment", "revoked", "expired"
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class TraineeRow:
    """One trainee's line on the dashboard; what blocks them is worked out when first asked."""

    user_id: int
    name: str
    service_number: str
    rank: str
    gender: str
    unit: str
    ready: bool
    statuses: dict[str, str] = field(default_factory=dict)  # course slug -> status
    _explain: Any = field(default=None, repr=False)
    _blockers: list[Blocker] | None = field(default=None, repr=False)

    @property
    def blockers(self) -> list[Blocker]:
        """Why the trainee is not ready, course by course (empty when ready)."""
        if self._blockers is None:
            self._blockers = [] if self.ready else self._explain(self.user_id)
        return self._blockers


@dataclass
class Dashboard:
    """Everything the dashboard, its exports and the readiness report show."""

    cohort: Cohort
    courses: list[Course]
    standards: list[str]
    rows: list[TraineeRow]
    target_date: date
    mastery: dict[tuple[int, str], bool] = field(default_factory=dict)

    def breakdown(
        self, attribute: str, same: Callable[[str], str] = str
    ) -> list[tuple[str, int, int]]:
        """(value, trainees, ready) per gender or rank, largest group first ("—" for none).

        Values with the same `same(value)` form one group (spellings of one rank with
        accounts.ranks.rank_key), named by the first of them."""
        total: Counter[str] = Counter()
        ready: Counter[str] = Counter()
        names: dict[str, str] = {}
        for row in self.rows:
            value = getattr(row, attribute)
            key = same(value) if value else "—"
            names.setdefault(key, value or "—")
            total[key] += 1
            ready[key] += row.ready
        return [(names[key], total[key], ready[key]) for key, _ in total.most_common()]

    def status_counts(self) -> dict[str, Counter[str]]:
        """Per course: how many trainees in each status."""
        counts: dict[str, Counter[str]] = {c.slug: Counter() for c in self.courses}
        for row in self.rows:
            for slug, status in row.statuses.items():
                counts[slug][status] += 1
        return counts

    def mastery_share(self) -> dict[str, tuple[int, int]]:
        """Per standard: (trainees who master it, trainees with any evidence), in one pass."""
        members = {row.user_id for row in self.rows}
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for (user_id, code), mastered in self.mastery.items():
            if user_id in members:
                totals[code][0] += mastered
                totals[code][1] += 1
        return {code: (totals[code][0], totals[code][1]) for code in self.standards}

    def filtered(self, status: str, gender: str, unit: str, query: str) -> list[TraineeRow]:
        """The rows matching the filters: ready / not_ready or a course status, gender, unit, and
        a search in names and service numbers."""
        rows = self.rows
        if status == "ready":
            rows = [r for r in rows if r.ready]
        elif status == "not_ready":
            rows = [r for r in rows if not r.ready]
        elif status:
            rows = [r for r in rows if status in r.statuses.values()]
        if gender:
            rows = [r for r in rows if r.gender == gender]
        if unit:
            rows = [r for r in rows if r.unit == unit]
        query = query.strip().lower()[:100]
        if query:
            rows = [r for r in rows if query in r.name.lower() or query in r.service_number.lower()]
        return rows

    @property
    def ready_count(self) -> int:
        return sum(row.ready for row in self.rows)


def build_dashboard(cohort: Cohort, today: date) -> Dashboard:
    """Compute the dashboard of a cohort (a fixed number of queries)."""
    with cyclic_gc_paused():
        return _build(cohort, today)


def _build(cohort: Cohort, today: date) -> Dashboard:
    courses = sorted(cohort.courses, key=lambda c: c.slug)
    members = db.session.execute(
        select(User.id, User.full_name, User.service_number, User.rank, User.gender, User.unit)
        .join(cohort_members, cohort_members.c.user_id == User.id)
        .where(cohort_members.c.cohort_id == cohort.id)
        .order_by(User.full_name)
    ).all()
    # The members as a subquery: no list of thousands of bound ids in every query.
    ids = select(cohort_members.c.user_id).where(cohort_members.c.cohort_id == cohort.id)
    facts = _load_facts(ids, courses, today)
    target = cohort.deployment_date or today
    standards = sorted({code for c in courses for code in c.standards})

    def explain(user_id: int) -> list[Blocker]:
        found = (_blocker(user_id, course, facts, target, today) for course in courses)
        return [blocker for blocker in found if blocker is not None]

    rows = []
    for m in members:
        row = TraineeRow(
            m.id,
            m.full_name,
            m.service_number or "",
            m.rank or "",
            m.gender or "",
            m.unit or "",
            ready=all(_ready_for(m.id, course, facts, target) for course in courses),
            _explain=explain,
        )
        row.statuses = {course.slug: _status(m.id, course, facts, today) for course in courses}
        rows.append(row)
    return Dashboard(cohort, courses, standards, rows, target, facts.mastery)


@dataclass(frozen=True)
class _Certs:
    """A trainee's certificates of one course, summarised."""

    latest_valid: date | None  # the latest expiry among certificates neither revoked nor expired
    any_revoked: bool


@dataclass
class _Facts:
    lessons: dict[int, int]  # course_id -> number of current lessons
    done: dict[tuple[int, int], int]  # (user, course) -> current lessons completed (current text)
    enrolled: set[tuple[int, int]]
    attempted: set[tuple[int, int]]
    quiz_passed: set[tuple[int, int]]
    practical_passed: dict[tuple[int, str], bool]  # (user, rubric code) latest effective
    certificates: dict[tuple[int, int], _Certs]
    mastery: dict[tuple[int, str], bool]


def _load_facts(ids: Any, courses: list[Course], today: date) -> _Facts:
    course_ids = [c.id for c in courses]
    lessons = dict(
        db.session.execute(
            select(Lesson.course_id, func.count(Lesson.id))
            .where(Lesson.course_id.in_(course_ids), Lesson.is_current)
            .group_by(Lesson.course_id)
        ).all()
    )
    # A completion counts only for the lesson text it was made on (see courses.services); the unique
    # (user, lesson, content_hash) key makes a plain count exact.
    current = and_(
        Lesson.id == LessonProgress.lesson_id,
        Lesson.content_hash == LessonProgress.content_hash,
        Lesson.is_current,
    )
    done = {
        (user_id, course_id): count
        for user_id, course_id, count in db.session.execute(
            select(
                LessonProgress.user_id,
                Lesson.course_id,
                func.count(),
            )
            .join(Lesson, current)
            .where(LessonProgress.user_id.in_(ids), Lesson.course_id.in_(course_ids))
            .group_by(LessonProgress.user_id, Lesson.course_id)
        )
    }
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
    evaluations = effective_evaluations(ids)
    return _Facts(
        lessons=lessons,
        done=done,
        enrolled=enrolled,
        attempted={(a.user_id, a.course_id) for a in attempts},
        quiz_passed={(a.user_id, a.course_id) for a in attempts if a.passed}
        | paper_passes(evaluations, {c.id: c.standards for c in courses}),
        practical_passed=latest_practicals(evaluations, rubric_codes()),
        certificates=_certificates(ids, course_ids, today),
        mastery=_mastery(attempts, evaluations, today),
    )


def _mastery(
    attempts: Sequence[Any], evaluations: Sequence[Any], today: date
) -> dict[tuple[int, str], bool]:
    # The one mastery rule of assessments.completion, reduced to what the heat map shows.
    validity = validity_by_standard()
    return {
        key: evidence.passed and is_fresh(evidence, validity.get(key[1], 36), today)
        for key, evidence in latest_evidence(attempts, evaluations).items()
    }


def _certificates(
    ids: list[int], course_ids: list[int], today: date
) -> dict[tuple[int, int], _Certs]:
    latest: dict[tuple[int, int], date | None] = {}
    revoked: set[tuple[int, int]] = set()
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
        key = (user_id, course_id)
        latest.setdefault(key, None)
        current = latest[key]
        if revocation_id is not None:
            revoked.add(key)
        elif expires_on >= today and (current is None or expires_on > current):
            latest[key] = expires_on
    return {key: _Certs(value, key in revoked) for key, value in latest.items()}


def _ready_for(user_id: int, course: Course, facts: _Facts, target: date) -> bool:
    certs = facts.certificates.get((user_id, course.id))
    return certs is not None and certs.latest_valid is not None and certs.latest_valid >= target


def _status(user_id: int, course: Course, facts: _Facts, today: date) -> str:
    key = (user_id, course.id)
    certs = facts.certificates.get(key)
    if certs is not None:
        return "certified" if certs.latest_valid is not None else "expired"
    if key in facts.quiz_passed:
        return "passed"
    if facts.done.get(key) or key in facts.attempted:
        return "in_progress"
    return "not_started"


def _blocker(
    user_id: int, course: Course, facts: _Facts, target: date, today: date
) -> Blocker | None:
    key = (user_id, course.id)
    certs = facts.certificates.get(key)
    if certs is not None and certs.latest_valid is not None:
        if certs.latest_valid >= target:
            return None
        return Blocker(course.slug, "expires_before_deployment", {"expires_on": certs.latest_valid})
    if certs is not None and certs.any_revoked:
        return Blocker(course.slug, "revoked")
    done = facts.done.get(key, 0)
    missing = [
        code for code in course.practicals if not facts.practical_passed.get((user_id, code), False)
    ]
    return Blocker(
        course.slug,
        "expired" if certs is not None else "no_certificate",
        {
            "lessons_done": done,
            "lessons_total": facts.lessons.get(course.id, 0),
            "quiz_passed": key in facts.quiz_passed,
            "practicals_missing": missing,
        },
    )
