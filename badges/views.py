"""Open Badges 3.0 routes: credentials, the issuer profile and its public key, status."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("badges", __name__)
