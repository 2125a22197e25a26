"""Cohort pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from lms.access import role_required

bp = Blueprint("cohorts", __name__)


@bp.get("/")
@role_required("trainer", "admin")
def index() -> str:
    """The trainer's cohorts."""
    return render_template("cohorts/index.html")
