"""LTI 1.3 routes (tool side) and the admin pages that register platforms."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("lti", __name__)
admin_bp = Blueprint("lti_admin", __name__)
