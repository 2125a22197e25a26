"""What the read API answers: cohorts within a token's scope, readiness, summaries, certificates.

Readiness comes from the cohort dashboard (`cohorts.dashboard.build_dashboard`): one rule, one set
of figures, whether a trainer looks at the page or a personnel system reads the API.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select

from accounts.models import User
from accounts.services import normalise_service_number
from api.models import ApiToken, api_token_cohorts
from certificates.models import Certificate, CertificateRevocation
from certificates.services import verify_url
from cohorts.dashboard import Blocker, Dashboard, TraineeRow
from cohorts.models import Cohort, cohort_courses, cohort_members
from courses.models import Course
from lms.db import db

MAX_PAGE_SIZE = 1000
MAX_CURSOR_LENGTH = 200


# Scope -------------------------------------------------------------------------------------------


def _scoped_ids(token: ApiToken) -> Select[tuple[int]] | None:
    """The ids of the cohorts the token may read, as a subquery; None for every cohort."""
    if token.is_all_cohorts:
        return None
    return select(api_token_cohorts.c.cohort_id).where(api_token_cohorts.c.token_id == token.id)


def cohorts_in_scope(token: ApiToken) -> list[Cohort]:
    """The cohorts the token may read, oldest first."""
    query = select(Cohort).order_by(Cohort.id)
    scoped = _scoped_ids(token)
    if scoped is not None:
        query = query.where(Cohort.id.in_(scoped))
    return list(db.session.scalars(query))


def cohort_in_scope(token: ApiToken, cohort_id: int) -> Cohort | None:
    """A cohort the token may read, or None (out of scope is as good as missing)."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or token.is_all_cohorts:
        return cohort
    return cohort if any(c.id == cohort.id for c in token.cohorts) else None


def trainee_in_scope(token: ApiToken, user_id: int) -> bool:
    """Whether the trainee belongs to a cohort the token may read (any trainee for every cohort)."""
    scoped = _scoped_ids(token)
    if scoped is None:
        return True
    found = db.session.scalar(
        select(cohort_members.c.cohort_id)
        .where(cohort_members.c.user_id == user_id, cohort_members.c.cohort_id.in_(scoped))
        .limit(1)
    )
    return found is not None


# Cohorts -----------------------------------------------------------------------------------------


def cohort_json(cohort: Cohort, trainees: int, course_slugs: list[str]) -> dict[str, Any]:
    """A cohort as the API shows it."""
    return {
        "id": cohort.id,
        "name": cohort.name,
        "country": cohort.country,
        "unit": cohort.unit,
        "mission": cohort.mission,
        "deployment_date": _iso(cohort.deployment_date),
        "trainees": trainees,
        "required_courses": sorted(course_slugs),
    }


def cohort_list(token: ApiToken) -> list[dict[str, Any]]:
    """The cohorts in scope with their counts (three queries, whatever their number)."""
    cohorts = cohorts_in_scope(token)
    ids = [c.id for c in cohorts]
    members: dict[int, int] = dict(
        db.session.execute(
            select(cohort_members.c.cohort_id, func.count())
            .where(cohort_members.c.cohort_id.in_(ids))
            .group_by(cohort_members.c.cohort_id)
        ).all()
    )
    slugs: dict[int, list[str]] = {cohort_id: [] for cohort_id in ids}
    for cohort_id, slug in db.session.execute(
        select(cohort_courses.c.cohort_id, Course.slug)
        .join(Course, Course.id == cohort_courses.c.course_id)
        .where(cohort_courses.c.cohort_id.in_(ids))
    ):
        slugs[cohort_id].append(slug)
    return [cohort_json(c, members.get(c.id, 0), slugs[c.id]) for c in cohorts]


def courses_json(board: Dashboard, language: str) -> list[dict[str, Any]]:
    """The cohort's required courses."""
    return [
        {"slug": c.slug, "title": c.title_in(language), "validity_months": c.validity_months}
        for c in board.courses
    ]


# Readiness ---------------------------------------------------------------------------------------


@dataclass
class ReadinessPage:
    """One page of a cohort's trainees, in service-number order."""

    rows: list[TraineeRow]
    total: int
    next_cursor: str | None


def row_position(row: TraineeRow) -> str:
    """Where a row sits in the paging order: its service number, a comma, its id.

    Any text is a position in this order, so any cursor is meaningful (the rows after it); the id
    keeps positions unique even for members without a service number.
    """
    return f"{row.service_number},{row.user_id}"


def readiness_page(
    board: Dashboard, *, limit: int, cursor: str | None, ready: bool | None
) -> ReadinessPage:
    """The trainees after the cursor (all when none), optionally only the ready or the not ready."""
    rows = sorted(board.rows, key=row_position)
    if ready is not None:
        rows = [row for row in rows if row.ready is ready]
    start = bisect.bisect_right(rows, cursor, key=row_position) if cursor else 0
    shown = rows[start : start + limit]
    more = start + limit < len(rows)
    return ReadinessPage(shown, len(rows), row_position(shown[-1]) if more and shown else None)


@dataclass(frozen=True)
class _Held:
    serial: str
    status: str
    issued_on: date
    expires_on: date


def held_certificates(
    user_ids: list[int], course_ids: list[int], today: date
) -> dict[tuple[int, int], _Held]:
    """Per trainee and course, the certificate that counts (one query for the whole page).

    The valid one that runs longest (the one the dashboard's readiness rule looks at), else the
    latest issued, expired or revoked.
    """
    best: dict[tuple[int, int], tuple[tuple[bool, date, datetime], _Held]] = {}
    for row in db.session.execute(
        select(
            Certificate.trainee_id,
            Certificate.course_id,
            Certificate.serial,
            Certificate.issued_on,
            Certificate.issued_at,
            Certificate.expires_on,
            CertificateRevocation.id.label("revocation_id"),
        )
        .outerjoin(CertificateRevocation)
        .where(Certificate.trainee_id.in_(user_ids), Certificate.course_id.in_(course_ids))
    ):
        status = _status(row.revocation_id is not None, row.expires_on, today)
        valid = status == "valid"
        rank = (valid, row.expires_on if valid else date.min, row.issued_at)
        key = (row.trainee_id, row.course_id)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, _Held(row.serial, status, row.issued_on, row.expires_on))
    return {key: held for key, (_rank, held) in best.items()}


def _status(revoked: bool, expires_on: date, today: date) -> str:
    # The rule of Certificate.status_on, on plain values.
    if revoked:
        return "revoked"
    return "expired" if today > expires_on else "valid"


def trainee_rows_json(
    board: Dashboard, rows: list[TraineeRow], today: date
) -> list[dict[str, Any]]:
    """Each trainee of a page: who, ready or not, and per required course what they hold."""
    held = held_certificates(
        [row.user_id for row in rows], [course.id for course in board.courses], today
    )
    return [_trainee_row_json(board, row, held) for row in rows]


def _trainee_row_json(
    board: Dashboard, row: TraineeRow, held: dict[tuple[int, int], _Held]
) -> dict[str, Any]:
    blockers = {blocker.course: blocker for blocker in row.blockers}
    return {
        "service_number": row.service_number or None,
        "name": row.name,
        "rank": row.rank or None,
        "gender": row.gender or None,
        "unit": row.unit or None,
        "ready": row.ready,
        "courses": [
            {
                "course": course.slug,
                "status": row.statuses[course.slug],
                "certificate": _held_json(held.get((row.user_id, course.id))),
                "blocker": _blocker_json(blockers.get(course.slug)),
            }
            for course in board.courses
        ],
    }


def _held_json(held: _Held | None) -> dict[str, Any] | None:
    if held is None:
        return None
    return {
        "serial": held.serial,
        "status": held.status,
        "issued_on": held.issued_on.isoformat(),
        "expires_on": held.expires_on.isoformat(),
    }


def _blocker_json(blocker: Blocker | None) -> dict[str, Any] | None:
    if blocker is None:
        return None
    detail = blocker.detail
    return {
        "reason": blocker.reason,
        "expires_on": _iso(detail.get("expires_on")),
        "lessons_done": detail.get("lessons_done"),
        "lessons_total": detail.get("lessons_total"),
        "quiz_passed": detail.get("quiz_passed"),
        "practicals_missing": detail.get("practicals_missing"),
    }


def summary_json(board: Dashboard, language: str) -> dict[str, Any]:
    """Counts for the whole cohort: ready or not, by gender, per course status."""
    counts = board.status_counts()
    return {
        "target_date": board.target_date.isoformat(),
        "trainees": len(board.rows),
        "ready": board.ready_count,
        "not_ready": len(board.rows) - board.ready_count,
        "by_gender": [
            {"gender": None if key == "—" else key, "trainees": total, "ready": ready}
            for key, total, ready in board.breakdown("gender")
        ],
        "courses": [
            {
                "course": course.slug,
                "title": course.title_in(language),
                "statuses": {
                    status: counts[course.slug][status]
                    for status in ("not_started", "in_progress", "passed", "certified", "expired")
                },
            }
            for course in board.courses
        ],
    }


# Certificates ------------------------------------------------------------------------------------


def certificate_in_scope(token: ApiToken, serial: str) -> Certificate | None:
    """A certificate whose holder the token may read, or None."""
    certificate = db.session.scalars(
        select(Certificate).where(Certificate.serial == serial)
    ).one_or_none()
    if certificate is None or not trainee_in_scope(token, certificate.trainee_id):
        return None
    return certificate


def certificate_json(certificate: Certificate, course_slug: str, today: date) -> dict[str, Any]:
    """The facts of the public verification, plus the holder's identity as printed."""
    revocation = certificate.revocation
    return {
        "serial": certificate.serial,
        "status": certificate.status_on(today),
        "holder": {
            "name": certificate.holder_name,
            "service_number": certificate.service_number,
            "rank": certificate.rank,
            "country": certificate.country,
        },
        "course": {
            "slug": course_slug,
            "title": certificate.course_title,
            "version": certificate.course_version,
        },
        "issued_on": certificate.issued_on.isoformat(),
        "expires_on": certificate.expires_on.isoformat(),
        "sha256": certificate.sha256,
        "revoked_on": revocation.revoked_at.date().isoformat() if revocation else None,
        "revocation_reason": revocation.reason if revocation else None,
        "verify_url": verify_url(certificate.serial, certificate),
    }


def course_slug(course_id: int) -> str:
    """The slug of a course."""
    return db.session.scalars(select(Course.slug).where(Course.id == course_id)).one()


def trainee_in_scope_by_number(token: ApiToken, service_number: str) -> User | None:
    """A trainee the token may read, by service number (case and spaces ignored), or None."""
    trainee = db.session.scalars(
        select(User).where(
            User.service_number == normalise_service_number(service_number),
            User.role == "trainee",
        )
    ).one_or_none()
    if trainee is None or not trainee_in_scope(token, trainee.id):
        return None
    return trainee


def trainee_certificates_json(trainee: User, today: date) -> dict[str, Any]:
    """A trainee and every certificate they were ever issued, newest first."""
    rows = db.session.execute(
        select(Certificate, Course.slug)
        .join(Course, Course.id == Certificate.course_id)
        .where(Certificate.trainee_id == trainee.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).all()
    return {
        "trainee": {
            "service_number": trainee.service_number,
            "name": trainee.full_name,
            "rank": trainee.rank,
            "gender": trainee.gender,
            "nationality": trainee.nationality,
            "unit": trainee.unit,
        },
        "certificates": [certificate_json(cert, slug, today) for cert, slug in rows],
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
