"""Certificate pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from lms.access import signed_in

bp = Blueprint("certificates", __name__)


@bp.get("/")
@signed_in
def mine() -> str:
    """The signed-in user's certificates."""
    return render_template("certificates/mine.html")
