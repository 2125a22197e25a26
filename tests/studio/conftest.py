"""Fixtures of the studio's tests: course authors of two centres."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def author(login_as: Any, course: Any) -> Any:
    """A trainer of the default centre who may author courses, signed in (standards loaded)."""
    return login_as("trainer", is_course_author=True, full_name="Amina Author")


@pytest.fixture
def centre_b(make_centre: Any, make_user: Any) -> dict[str, Any]:
    """Centre B and its own course author."""
    centre = make_centre(name="Centre B", country="SEN")
    other = make_user("trainer", centre_id=centre.id, is_course_author=True, full_name="Bako B")
    return {"centre": centre, "author": other}
