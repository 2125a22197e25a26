"""A new course from nothing: a draft with a minimal course.yaml and an empty question bank.

The author gives the short name (slug), the English title and the standards of the UN catalog the
course will assess; everything else takes the defaults below, to be changed on the details page.
The draft is created by studio.drafts.create_draft (slug checks, audit), as a copy or an import is.
It is incomplete (no summary, no lessons, no questions): the publisher says what is missing.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from accounts.models import User
from assessments.models import Standard
from lms.db import db
from lms.forms import CheckboxesField
from studio import drafts
from studio.forms import SLUG_HINT
from studio.loader import QUIZ_RANGES
from studio.manifest_text import dump
from studio.models import CourseDraft
from studio.pass_rule import check_pass_rule

# What a new course starts with (the bundled courses' usual values; all within the loader's ranges;
# questions_per_standard is then raised as far as the publisher's pass rule needs: questions_drawn).
DEFAULTS: dict[str, Any] = {
    "pass_mark": 80,
    "validity_months": 36,
    "quiz": {
        "questions_per_standard": 5,
        "standard_threshold": 60,
        "time_limit_minutes": 30,
        "max_attempts": 3,
        "cooldown_hours": 24,
    },
}


class NewCourseForm(FlaskForm):
    """A new course: short name, English title, the standards it assesses."""

    slug = StringField(
        _l("Short name of the new course"),
        validators=[
            DataRequired(message=_l("This field is required.")),
            Length(max=64, message=_l("This field is too long (at most %(max)d characters).")),
            Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=SLUG_HINT),
        ],
    )
    title = StringField(
        _l("Title in English"),
        validators=[
            DataRequired(message=_l("This field is required.")),
            Length(max=200, message=_l("This field is too long (at most %(max)d characters).")),
        ],
    )
    standards = CheckboxesField(
        _l("Standards the course assesses"),
        choices=[],
        validators=[DataRequired(message=_l("Choose at least one standard."))],
    )


def catalog_standards(language: str) -> list[tuple[str, str]]:
    """The UN catalog's current standards (code, title in the language), by code: one query."""
    rows = db.session.scalars(
        select(Standard)
        .where(Standard.centre_id.is_(None), Standard.is_current.is_(True))
        .order_by(Standard.code)
    )
    return [(row.code, row.title.get(language) or row.title.get("en", "")) for row in rows]


def questions_drawn(standards: int) -> int:
    """Questions per standard for a new course: the fewest with which the default pass mark and
    standard threshold pass the publisher's pass rule (studio.pass_rule): 15 for one standard, 8
    for two, 5 from three."""
    quiz = DEFAULTS["quiz"]
    low, high = QUIZ_RANGES["questions_per_standard"]
    for per_standard in range(low, high + 1):
        report = check_pass_rule(
            standards, per_standard, quiz["standard_threshold"], DEFAULTS["pass_mark"]
        )
        if not report.problems:
            return per_standard
    return int(quiz["questions_per_standard"])


def manifest(slug: str, title: str, standards: list[str]) -> str:
    """The course.yaml of a new course: version 1.0 in English, no summary and no lesson yet."""
    return dump(
        {
            "slug": slug,
            "version": "1.0",
            "languages": ["en"],
            "title": {"en": " ".join(title.split())},
            "summary": {},
            "standards": standards,
            **DEFAULTS,
            "quiz": {
                **DEFAULTS["quiz"],
                "questions_per_standard": questions_drawn(len(standards)),
            },
            "lessons": [],
        }
    )


def create_course(slug: str, title: str, standards: list[str], author: User) -> CourseDraft:
    """The new course's draft (StudioError, nothing written, for a slug that is malformed or
    taken on the installation)."""
    files = {
        "course.yaml": manifest(slug, title, standards).encode("utf-8"),
        "questions.yaml": b"questions: []\n",
    }
    return drafts.create_draft(slug, files, author, "new")
