"""A person's own record, assembled from what each domain keeps about them.

Each domain contributes the part it owns with `@record_section("name")` on a function of the
person (the shell imports no domain); `personal_record(user)` calls them in registration order.
Values are plain JSON types. Used for a trainee's download of their own record (JSON and PDF).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Section = Callable[[Any], Any]
_SECTIONS: dict[str, Section] = {}


def record_section(name: str) -> Callable[[Section], Section]:
    """Register the function that gives a person's part of the record under `name`."""

    def register(function: Section) -> Section:
        if name in _SECTIONS and _SECTIONS[name] is not function:
            raise RuntimeError(f"record section {name!r} registered twice")
        _SECTIONS[name] = function
        return function

    return register


def personal_record(user: Any) -> dict[str, Any]:
    """Every registered section of the person's record."""
    return {name: section(user) for name, section in _SECTIONS.items()}
