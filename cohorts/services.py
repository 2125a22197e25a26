"""Cohort logic."""

from __future__ import annotations

from typing import Any


def cohorts_for_trainer(user: Any) -> list[Any]:
    """The cohorts a trainer runs (the cohorts issue fills this in)."""
    return []
