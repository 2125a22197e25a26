"""Assessment logic shared by the views: the standards catalog and its exports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from assessments.models import Rubric, Standard
from lms.db import db
from lms.exports import to_csv
from lms.settings import LANGUAGES


def all_standards() -> list[Standard]:
    """Every version of every standard, by code then version."""
    return list(db.session.scalars(select(Standard).order_by(Standard.code, Standard.version)))


def current_rubrics() -> list[Rubric]:
    """The current version of every rubric."""
    return list(db.session.scalars(select(Rubric).where(Rubric.is_current).order_by(Rubric.code)))


def standards_as_records() -> list[dict[str, Any]]:
    """The catalog as plain records (JSON export)."""
    return [
        {
            "code": s.code,
            "version": s.version,
            "domain": s.domain,
            "is_current": s.is_current,
            "mastery_threshold": s.mastery_threshold,
            "title": s.title,
            "description": s.description,
            "loaded_at": s.loaded_at.isoformat(),
        }
        for s in all_standards()
    ]


def standards_as_csv() -> bytes:
    """The catalog as CSV, one row per standard version, a title and description column per language."""
    header = ["code", "version", "domain", "is_current", "mastery_threshold"]
    header += [f"title_{code}" for code in LANGUAGES] + [
        f"description_{code}" for code in LANGUAGES
    ]
    rows = [
        [s.code, s.version, s.domain, s.is_current, s.mastery_threshold]
        + [s.title.get(code, "") for code in LANGUAGES]
        + [s.description.get(code, "") for code in LANGUAGES]
        for s in all_standards()
    ]
    return to_csv(header, rows)
