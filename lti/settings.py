"""Settings of the lti package, from the environment (merged by lms.settings.load_settings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def settings(env: Mapping[str, str]) -> dict[str, Any]:
    """This package's configuration keys with their defaults.

    The tool's private key comes from the PEM file named by LTI_PRIVATE_KEY_FILE (every app server
    must share it), else from instance/lti_tool_key.pem, created once (see lms/keys.py).
    """
    return {
        # Seconds a login's nonce stays valid (the platform answers within seconds).
        "LTI_NONCE_LIFETIME": int(env.get("LTI_NONCE_LIFETIME", "600")),
        # Seconds a teacher has to pick a course after a deep-linking launch.
        "LTI_DEEP_LINK_LIFETIME": int(env.get("LTI_DEEP_LINK_LIFETIME", "3600")),
        # Seconds a one-time link from a framed launch to the course stays valid.
        "LTI_TICKET_LIFETIME": int(env.get("LTI_TICKET_LIFETIME", "120")),
        # Clock difference tolerated on the id_token's iat/exp/nbf, in seconds.
        "LTI_CLOCK_SKEW": int(env.get("LTI_CLOCK_SKEW", "60")),
        # OIDC logins accepted per client address (a whole class may share one address).
        "LTI_LOGIN_RATE_LIMIT": env.get("LTI_LOGIN_RATE_LIMIT", "120 per minute"),
        # Timeout of calls to platforms (key sets, access tokens, scores), in seconds.
        "LTI_HTTP_TIMEOUT": float(env.get("LTI_HTTP_TIMEOUT", "10")),
    }
