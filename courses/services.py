"""Course logic."""

from __future__ import annotations

from typing import Any


def courses_for_trainee(user: Any) -> list[Any]:
    """The courses a trainee is enrolled in (the courses issue fills this in)."""
    return []
