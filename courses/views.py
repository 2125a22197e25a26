"""Course pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from lms.access import signed_in

bp = Blueprint("courses", __name__)


@bp.get("/")
@signed_in
def catalog() -> str:
    """The course catalog."""
    return render_template("courses/catalog.html")
