"""Settings of the xapi package, from the environment (merged by lms.settings.load_settings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def settings(env: Mapping[str, str]) -> dict[str, Any]:
    """This package's configuration keys with their defaults."""
    return {}
