"""Assessment pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from lms.access import role_required

bp = Blueprint("assessments", __name__)


@bp.get("/standards")
@role_required("admin", "trainer")
def standards() -> str:
    """The catalog of unified standards."""
    return render_template("assessments/standards.html")
