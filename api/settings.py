"""Settings of the api package, from the environment (merged by lms.settings.load_settings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def settings(env: Mapping[str, str]) -> dict[str, Any]:
    """This package's configuration keys with their defaults."""
    return {
        # Requests per access token (Flask-Limiter notation); storage is RATELIMIT_STORAGE_URI.
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "120 per minute"),
        # Trainees per page of a cohort's readiness when the client does not say (at most 1000).
        "API_PAGE_SIZE": int(env.get("API_PAGE_SIZE", "200")),
    }
