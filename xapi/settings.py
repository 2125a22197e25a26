"""Settings of the xapi package, from the environment (merged by lms.settings.load_settings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def settings(env: Mapping[str, str]) -> dict[str, Any]:
    """This package's configuration keys with their defaults."""
    return {
        # The learning record store's base address (its statements resource is <endpoint>/statements),
        # e.g. https://lrs.example.org/xapi/. Empty: xAPI is off and no statement is written.
        "XAPI_ENDPOINT": env.get("XAPI_ENDPOINT", "").strip(),
        # HTTP Basic credentials the store gave this LMS (its "key" and "secret").
        "XAPI_USERNAME": env.get("XAPI_USERNAME", ""),
        "XAPI_PASSWORD": env.get("XAPI_PASSWORD", ""),
        "XAPI_TIMEOUT": float(env.get("XAPI_TIMEOUT", "10")),
        "XAPI_VERSION": env.get("XAPI_VERSION", "1.0.3"),
        # The base of every IRI in the statements (actor accounts, activities, extensions); when
        # empty, PUBLIC_BASE_URL. Keep it stable: the store identifies people and courses by it.
        "XAPI_ACTOR_HOMEPAGE": env.get("XAPI_ACTOR_HOMEPAGE", "").strip(),
        # Send the trainee's full name next to the opaque account id (off: the id only).
        "XAPI_ACTOR_NAMES": _flag(env.get("XAPI_ACTOR_NAMES"), True),
    }
