"""Cohort pages: list, create and edit, roster import with preview, login slips."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from cohorts import services
from cohorts.forms import CohortForm, RosterForm
from cohorts.models import Cohort, RosterImport
from cohorts.roster import RosterFileError, parse_roster
from courses.services import all_courses
from courses.forms import EmptyForm
from lms.access import role_required
from lms.db import db
from lms.i18n import current_language, is_rtl

bp = Blueprint("cohorts", __name__)


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = services.cohort_for(current_user, cohort_id)
    if cohort is None:
        abort(404)  # another trainer's cohort is not revealed
    return cohort


def _form(cohort: Cohort | None = None) -> CohortForm:
    language = current_language()
    return CohortForm(
        obj=cohort if request.method == "GET" else None,
        course_choices=[(c.id, c.title_in(language)) for c in all_courses()],
        trainer_choices=services.trainer_choices(),
        data={"courses": [c.id for c in cohort.courses], "trainers": [t.id for t in cohort.trainers]}
        if cohort is not None and request.method == "GET" else None,
    )


@bp.get("/")
@role_required("trainer", "admin")
def index() -> str:
    """The trainer's cohorts (every cohort for an admin)."""
    return render_template("cohorts/index.html", cohorts=services.cohorts_for_trainer(current_user))


@bp.route("/new", methods=["GET", "POST"])
@role_required("trainer", "admin")
def new() -> str | Response | tuple[str, int]:
    """Create a cohort."""
    form = _form()
    if request.method == "POST" and form.validate_on_submit():
        cohort = services.save_cohort(None, form.data, current_user)
        flash(_("The cohort is created. Now import its roster."), "success")
        return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    return render_template("cohorts/edit.html", form=form, cohort=None), 400 if request.method == "POST" else 200


@bp.route("/<int:cohort_id>/edit", methods=["GET", "POST"])
@role_required("trainer", "admin")
def edit(cohort_id: int) -> str | Response | tuple[str, int]:
    """Edit a cohort."""
    cohort = _cohort_or_404(cohort_id)
    form = _form(cohort)
    if request.method == "POST" and form.validate_on_submit():
        services.save_cohort(cohort, form.data, current_user)
        flash(_("The cohort is saved."), "success")
        return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    return render_template("cohorts/edit.html", form=form, cohort=cohort), 400 if request.method == "POST" else 200


@bp.get("/<int:cohort_id>")
@role_required("trainer", "admin")
def show(cohort_id: int) -> str:
    """A cohort: its details, members and actions."""
    cohort = _cohort_or_404(cohort_id)
    return render_template("cohorts/show.html", cohort=cohort, roster_form=RosterForm(), form=EmptyForm())


@bp.post("/<int:cohort_id>/roster")
@role_required("trainer", "admin")
def upload_roster(cohort_id: int) -> str | Response | tuple[str, int]:
    """Upload a roster: it is validated and shown for review; nothing is imported yet."""
    cohort = _cohort_or_404(cohort_id)
    form = RosterForm()
    if not form.validate_on_submit():
        return render_template("cohorts/show.html", cohort=cohort, roster_form=form, form=EmptyForm()), 400
    upload = form.roster.data
    try:
        rows = parse_roster(upload.read(), upload.filename or "roster.csv")
    except RosterFileError as error:
        form.roster.errors = [str(error)]
        return render_template("cohorts/show.html", cohort=cohort, roster_form=form, form=EmptyForm()), 400
    staged = services.stage_roster(cohort, rows, upload.filename or "roster.csv", current_user)
    return redirect(url_for("cohorts.roster_preview", cohort_id=cohort.id, import_id=staged.id))


def _staged_or_404(cohort: Cohort, import_id: int) -> RosterImport:
    staged = db.session.get(RosterImport, import_id)
    if staged is None or staged.cohort_id != cohort.id:
        abort(404)
    return staged


@bp.get("/<int:cohort_id>/roster/<int:import_id>")
@role_required("trainer", "admin")
def roster_preview(cohort_id: int, import_id: int) -> str:
    """Every row of an uploaded roster, validated, before anything is imported."""
    cohort = _cohort_or_404(cohort_id)
    staged = _staged_or_404(cohort, import_id)
    return render_template("cohorts/preview.html", cohort=cohort, staged=staged, form=EmptyForm())


@bp.post("/<int:cohort_id>/roster/<int:import_id>/confirm")
@role_required("trainer", "admin")
def roster_confirm(cohort_id: int, import_id: int) -> str | Response | tuple[str, int]:
    """Import a reviewed roster, all or nothing."""
    cohort = _cohort_or_404(cohort_id)
    staged = _staged_or_404(cohort, import_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        created, updated = services.apply_roster(staged, cohort, current_user)
    except services.CohortError as error:
        return render_template("cohorts/preview.html", cohort=cohort, staged=staged, form=EmptyForm(),
                               error=str(error)), 409
    flash(_("Roster imported: %(created)d new trainees, %(updated)d updated. Print the login slips next.",
            created=created, updated=updated), "success")
    return redirect(url_for("cohorts.show", cohort_id=cohort.id))


@bp.post("/<int:cohort_id>/slips.pdf")
@role_required("trainer", "admin")
def slips(cohort_id: int) -> Response:
    """Login slips for the whole cohort; trainees who have not signed in yet get new initial PINs."""
    from cohorts.slips import render_slips

    cohort = _cohort_or_404(cohort_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    entries = services.slip_entries(cohort, current_user)
    language = current_language()
    with force_locale(language):
        labels = {"title": _("Login slips"), "service_number": _("Service number"), "pin": _("Initial PIN"),
                  "address": _("Sign in at"), "own_pin": _("(your own PIN)"),
                  "hint": _("Sign in with your service number and this PIN, then choose your own PIN. Keep this slip private.")}
    from flask import current_app

    context = {"cohort": cohort.name, "centre": current_app.config["TRAINING_CENTRE_NAME"],
               "sign_in_url": url_for("accounts.sign_in", _external=True), "labels": labels, "entries": entries,
               "language": language, "direction": "rtl" if is_rtl(language) else "ltr"}
    response = make_response(render_slips(context))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="login-slips-cohort-{cohort.id}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response
