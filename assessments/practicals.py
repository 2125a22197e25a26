"""Observed practical evaluations and paper quizzes, recorded by trainers; corrections.

Records are never changed: a correction is a new Evaluation pointing at the one it corrects,
with who made it, when and why. A practical passes when every required criterion is met and,
where the rubric sets a time limit, the measured time is within it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from accounts.models import User
from assessments.models import Evaluation, Rubric, Standard
from courses.models import Course, CourseVersion
from lms import audit
from lms.converters import whole_number
from lms.db import db, utcnow

log = logging.getLogger(__name__)
MAX_SECONDS = 24 * 3600


@dataclass
class RowInput:
    """What the trainer entered for one trainee."""

    trainee: User
    included: bool
    met: dict[str, bool] = field(default_factory=dict)
    seconds: str = ""
    notes: str = ""
    percents: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    all_met: bool = False  # "all criteria met" ticked for this trainee (or for the whole cohort)


def whole_number_up_to(text: str, maximum: int) -> int | None:
    """The number a trainer typed (ASCII digits, at most maximum), or None."""
    try:
        return whole_number(text, maximum)
    except ValueError:
        return None


def rubric_first_loaded(rubric: Rubric) -> datetime:
    """When the first version of a rubric was loaded: no practical was observed against it before."""
    first = select(func.min(Rubric.loaded_at)).where(Rubric.code == rubric.code)
    return db.session.scalar(first) or rubric.loaded_at


def course_first_loaded(course: Course) -> datetime:
    """When the first version of a course was loaded: no paper quiz of it was taken before."""
    first = select(func.min(CourseVersion.loaded_at)).where(CourseVersion.course_id == course.id)
    return db.session.scalar(first) or course.loaded_at


def session_date_problem(day: date, available_since: datetime) -> str | None:
    """Why a classroom session cannot have taken place on this day (translated), or None.

    Not in the future and not before what it assessed was available, each with the margin of the
    time zones (UTC-12 to UTC+14): a trainer's today may be tomorrow in UTC.
    """
    if day > (utcnow() + timedelta(hours=14)).date():
        return _("The date of the session is in the future.")
    earliest = (available_since - timedelta(hours=12)).date()
    if day < earliest:
        return _(
            "The date of the session is before %(date)s, when this assessment was loaded.",
            date=earliest.isoformat(),
        )
    return None


def rubric_by_code(code: str) -> Rubric | None:
    """The current version of a rubric."""
    return db.session.scalars(
        select(Rubric).where(Rubric.code == code, Rubric.is_current)
    ).one_or_none()


def practical_passed(rubric: Rubric, met: dict[str, bool], seconds: int | None) -> bool:
    """Every required criterion met, and within the time limit where there is one."""
    required = all(met.get(c["id"], False) for c in rubric.criteria if c["required"])
    in_time = rubric.time_limit_seconds is None or (
        seconds is not None and seconds <= rubric.time_limit_seconds
    )
    return required and in_time


def _standard_threshold(code: str) -> int:
    return (
        db.session.scalar(
            select(Standard.mastery_threshold).where(Standard.code == code, Standard.is_current)
        )
        or 100
    )


def _standard_version(code: str) -> int:
    return (
        db.session.scalar(
            select(Standard.version).where(Standard.code == code, Standard.is_current)
        )
        or 1
    )


def criteria_met(rubric: Rubric, row: RowInput) -> dict[str, bool]:
    """Each criterion of the rubric, met or not, as the trainer entered it for this row."""
    return {c["id"]: row.all_met or bool(row.met.get(c["id"])) for c in rubric.criteria}


def _all_met_contradicted(rubric: Rubric, row: RowInput) -> bool:
    """Whether "all criteria met" is ticked while some criteria, not all, are: which is meant
    cannot be told, and a record that proves something is not guessed."""
    ticked = sum(bool(row.met.get(c["id"])) for c in rubric.criteria)
    return row.all_met and 0 < ticked < len(rubric.criteria)


def validate_practical_rows(rubric: Rubric, rows: list[RowInput], observed_on: date | None) -> bool:
    """Check every included row; put the errors (translated) on the rows. True when all are valid."""
    ok = observed_on is not None
    for row in rows:
        if not row.included:
            continue
        if _all_met_contradicted(rubric, row):
            row.errors.append(
                _(
                    "“All criteria met” is ticked, but only some of the criteria are: tick the "
                    "others, or untick “All criteria met” (for this trainee or for everyone)."
                )
            )
        seconds = row.seconds.strip()
        if seconds and whole_number_up_to(seconds, MAX_SECONDS) is None:
            row.errors.append(_("Enter the measured time as a whole number of seconds."))
        elif rubric.time_limit_seconds is not None and not seconds:
            row.errors.append(_("This evaluation is timed: enter the measured time in seconds."))
        if len(row.notes) > 2000:
            row.errors.append(_("The notes are too long (at most 2,000 characters)."))
        ok = ok and not row.errors
    return ok and any(row.included for row in rows)


def record_practicals(
    rubric: Rubric,
    rows: list[RowInput],
    observed_on: date,
    evaluator: User,
    course: Course | None = None,
) -> list[Evaluation]:
    """Record one evaluation per included (and validated) row."""
    standard_version = _standard_version(rubric.standard_code)
    values = []
    for row in rows:
        if not row.included:
            continue
        seconds = int(row.seconds) if row.seconds.strip() else None
        met = criteria_met(rubric, row)
        values.append(
            {
                "kind": "practical",
                "trainee_id": row.trainee.id,
                "course_id": course.id if course else None,
                "rubric_id": rubric.id,
                "standard_code": rubric.standard_code,
                "standard_version": standard_version,
                "observed_on": observed_on,
                "criteria_results": {cid: {"met": value} for cid, value in met.items()},
                "measured_seconds": seconds,
                "passed": practical_passed(rubric, met, seconds),
                "notes": row.notes.strip() or None,
            }
        )
    records = _insert_all(values, evaluator)
    audit.record_many(
        "evaluation.recorded",
        "evaluation",
        evaluator.id,
        [
            (e.id, {"rubric": rubric.code, "trainee": e.trainee_id, "passed": e.passed})
            for e in records
        ],
    )
    return records


def _insert_all(values: list[dict[str, Any]], evaluator: User) -> list[Evaluation]:
    """Insert the evaluations of one form in one statement and read them back: the same few
    statements for a cohort of a thousand as for one trainee (SQLite would otherwise insert the
    rows one at a time to learn their ids)."""
    stamp = utcnow()
    rows = [{**value, "evaluator_id": evaluator.id, "recorded_at": stamp} for value in values]
    if not rows:
        return []
    db.session.execute(insert(Evaluation), rows)
    return list(
        db.session.scalars(
            select(Evaluation)
            .where(Evaluation.evaluator_id == evaluator.id, Evaluation.recorded_at == stamp)
            .order_by(Evaluation.id)
        )
    )


def validate_paper_rows(course: Course, rows: list[RowInput], taken_on: date | None) -> bool:
    """Check the percentages of every included row (0-100 for every standard of the course)."""
    ok = taken_on is not None
    for row in rows:
        if not row.included:
            continue
        for code in course.standards:
            value = row.percents.get(code, "").strip()
            if whole_number_up_to(value, 100) is None:
                row.errors.append(
                    _("Enter a whole percentage from 0 to 100 for %(code)s.", code=code)
                )
        ok = ok and not row.errors
    return ok and any(row.included for row in rows)


def record_paper_quiz(
    course: Course, rows: list[RowInput], taken_on: date, evaluator: User
) -> list[Evaluation]:
    """Record a paper quiz taken in a classroom: one evaluation per trainee and standard."""
    current = db.session.execute(
        select(Standard.code, Standard.mastery_threshold, Standard.version).where(
            Standard.code.in_(course.standards), Standard.is_current
        )
    ).all()
    thresholds = {row.code: row.mastery_threshold for row in current}
    versions = {row.code: row.version for row in current}
    values = []
    for row in rows:
        if not row.included:
            continue
        for code in course.standards:
            percent = float(int(row.percents[code]))
            values.append(
                {
                    "kind": "paper_quiz",
                    "trainee_id": row.trainee.id,
                    "course_id": course.id,
                    "standard_code": code,
                    "standard_version": versions.get(code, 1),
                    "observed_on": taken_on,
                    "percent": percent,
                    "passed": percent >= thresholds.get(code, 100),
                    "notes": row.notes.strip() or None,
                    "criteria_results": {},
                }
            )
    records = _insert_all(values, evaluator)
    audit.record_many(
        "evaluation.recorded",
        "evaluation",
        evaluator.id,
        [
            (e.id, {"kind": "paper_quiz", "trainee": e.trainee_id, "standard": e.standard_code})
            for e in records
        ],
    )
    return records


def correct_evaluation(
    original: Evaluation, changes: dict[str, Any], reason: str, corrector: User
) -> Evaluation:
    """Record a correction: a new evaluation pointing at the original, which is kept as it was."""
    if db.session.scalar(select(Evaluation.id).where(Evaluation.corrects_id == original.id)):
        raise ValueError(
            _("This record has already been corrected; correct the newer record instead.")
        )
    if not reason.strip():
        raise ValueError(_("Give the reason for the correction."))
    fields = {
        column: getattr(original, column)
        for column in (
            "kind",
            "trainee_id",
            "course_id",
            "rubric_id",
            "standard_code",
            "standard_version",
            "observed_on",
            "criteria_results",
            "measured_seconds",
            "percent",
            "passed",
            "notes",
        )
    }
    fields.update(changes)
    correction = Evaluation(
        **fields,
        evaluator_id=corrector.id,
        corrects_id=original.id,
        correction_reason=reason.strip(),
    )
    db.session.add(correction)
    db.session.flush()
    audit.record(
        "evaluation.corrected", "evaluation", correction.id, corrector.id, corrects=original.id
    )
    return correction
