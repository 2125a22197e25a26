"""The platform administrator's pages: training centres and their administrators.

A platform administrator acts for no centre: the centre boundary (lms/scope.py) hides every
centre's records from them. These pages cross it on purpose, and only for what a platform
administrator manages: the centres, and the administrators of each centre. Trainees' personal
data is never shown here: counts only.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from accounts import centres, services
from accounts.forms import CentreAdministratorForm, CentreForm, ConfirmForm
from accounts.models import Centre, Role, User
from accounts.views import show_secret_once
from lms import scope
from lms.access import role_required
from lms.db import db

bp = Blueprint("platform", __name__)


def _centre_or_404(centre_id: int) -> Centre:
    centre = db.session.get(Centre, centre_id)
    if centre is None:
        abort(404)
    return centre


def _administrator_or_404(centre: Centre, user_id: int) -> User:
    with scope.unscoped(db.session):
        user = db.session.get(User, user_id)
    if user is None or user.centre_id != centre.id or user.role != Role.ADMIN:
        abort(404)  # the platform administrator manages administrators, nobody else
    return user


@bp.get("/")
@role_required("platform_admin")
def index() -> str:
    """Every centre, with how many accounts of each role it has."""
    return render_template(
        "platform/index.html",
        centres=centres.all_centres(),
        counts=centres.centre_staff_counts(),
    )


@bp.route("/centres/new", methods=["GET", "POST"])
@role_required("platform_admin")
def new_centre() -> str | Response | tuple[str, int]:
    """Create a training centre."""
    return _edit(None, CentreForm())


@bp.route("/centres/<int:centre_id>/edit", methods=["GET", "POST"])
@role_required("platform_admin")
def edit_centre(centre_id: int) -> str | Response | tuple[str, int]:
    """Change a centre's details."""
    centre = _centre_or_404(centre_id)
    return _edit(centre, CentreForm(obj=centre if request.method == "GET" else None))


def _edit(centre: Centre | None, form: CentreForm) -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return render_template("platform/edit.html", form=form, centre=centre)
    if not form.validate_on_submit():
        return render_template("platform/edit.html", form=form, centre=centre), 400
    try:
        saved = centres.save_centre(centre, form.data, current_user)
    except centres.CentreError as error:
        return render_template(
            "platform/edit.html", form=form, centre=centre, error=str(error)
        ), 400
    flash(_("The centre is saved."), "success")
    return redirect(url_for("platform.centre", centre_id=saved.id))


@bp.get("/centres/<int:centre_id>")
@role_required("platform_admin")
def centre(centre_id: int) -> str:
    """A centre: its details and its administrators."""
    return _centre_page(_centre_or_404(centre_id), CentreAdministratorForm())


def _centre_page(
    centre: Centre, admin_form: CentreAdministratorForm, error: str | None = None
) -> str:
    return render_template(
        "platform/centre.html",
        centre=centre,
        administrators=centres.centre_administrators(centre),
        counts=centres.centre_staff_counts().get(centre.id, {}),
        admin_form=admin_form,
        form=ConfirmForm(),
        error=error,
    )


@bp.post("/centres/<int:centre_id>/administrators")
@role_required("platform_admin")
def new_administrator(centre_id: int) -> Response | tuple[str, int]:
    """Create an administrator of the centre; the temporary password is shown once."""
    found = _centre_or_404(centre_id)
    form = CentreAdministratorForm()
    error = None
    if form.validate_on_submit():
        with scope.unscoped(db.session):
            try:
                user, secret = services.create_user(
                    Role.ADMIN,
                    form.full_name.data,
                    actor=current_user,
                    email=form.email.data,
                    preferred_language=form.preferred_language.data,
                    centre=found,
                )
            except services.AccountError as refused:
                error = str(refused)
            else:
                return show_secret_once(
                    user, secret, url_for("platform.centre", centre_id=found.id)
                )
    return _centre_page(found, form, error), 400


@bp.post("/centres/<int:centre_id>/administrators/<int:user_id>/reset")
@role_required("platform_admin")
def reset_administrator(centre_id: int, user_id: int) -> Response:
    """A new temporary password for a centre's administrator."""
    user = _administrator_or_404(_centre_or_404(centre_id), user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with scope.unscoped(db.session):
        secret = services.reset_credential(user, current_user)
        db.session.flush()  # inside the crossing: the account is another centre's record
    return show_secret_once(user, secret, url_for("platform.centre", centre_id=centre_id))


@bp.post("/centres/<int:centre_id>/administrators/<int:user_id>/enabled")
@role_required("platform_admin")
def enable_administrator(centre_id: int, user_id: int) -> Response:
    """Enable or disable a centre's administrator."""
    found = _centre_or_404(centre_id)
    user = _administrator_or_404(found, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with scope.unscoped(db.session):
        services.set_enabled(user, request.form.get("enabled") == "1", current_user)
        db.session.flush()  # inside the crossing: the account is another centre's record
    flash(_("The account has been updated."), "success")
    return redirect(url_for("platform.centre", centre_id=found.id))
