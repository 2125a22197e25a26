"""Open Badges 3.0 in an app: credentials, the issuer's profile and keys, revocation status."""

from __future__ import annotations

from flask import Flask

from badges.views import bp
from lms.blueprints import register_blueprints


def init_app(app: Flask, prefix: str) -> set[str]:
    """Register the domain (see lms.Domain)."""
    return register_blueprints(app, prefix, [(bp, "/badges")])
