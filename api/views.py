"""The read API (token-authenticated JSON) and the admin pages that manage its tokens."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)
admin_bp = Blueprint("api_admin", __name__)
