"""Sign-in, sign-out and credential pages; the administrator's user management."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from werkzeug.wrappers import Response

from accounts import services
from accounts.centres import centre_choices_for
from accounts.forms import ChangeCredentialForm, ConfirmForm, CreateUserForm, SignInForm
from accounts.login import end_session, start_session
from accounts.models import User
from accounts.record_pdf import render_record
from lms import audit, hooks
from lms.access import public, role_required, signed_in
from lms.converters import page_number
from lms.db import db, utcnow
from lms.i18n import current_language, is_rtl
from lms.security import strict_limiter
from lms.views import safe_next

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__)

TOO_MANY_SIGN_INS = _l(
    "Too many failed sign-in attempts. For your security, wait 10 minutes before trying again."
)


def _account_key() -> str:
    # Per account, not per typed identifier: five wrong PINs by service number and five more by
    # e-mail address are five for that account. Asked when the limit is checked and again when a
    # failure is counted: resolved once per request.
    if "sign_in_throttle_key" not in g:
        identifier = request.form.get("identifier", "")[:254]
        country = request.form.get("country", "")[:3] or None
        g.sign_in_throttle_key = "sign-in:" + services.throttle_key(identifier, country)
    return g.sign_in_throttle_key


def _failed(response: Response) -> bool:
    return response.status_code == 401


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@strict_limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    error_message=TOO_MANY_SIGN_INS,
    scope="sign-in-account",
)
@strict_limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_failed,
    error_message=TOO_MANY_SIGN_INS,
    scope="sign-in-address",
)
def sign_in() -> str | Response | tuple[str, int]:
    """Sign in with a service number or e-mail address and a PIN or password."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignInForm(default_country=services.default_sign_in_country())
    if request.method == "GET":
        return render_template("accounts/sign_in.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/sign_in.html", form=form), 400
    result = services.authenticate(form.identifier.data, form.secret.data, form.country.data)
    if result.user is None:
        if result.reason == "choose_country":
            error, status = (
                _(
                    "This service number is used in more than one country. Choose the country "
                    "that issued yours, then sign in again."
                ),
                401,
            )
            return render_template(
                "accounts/sign_in.html", form=form, error=error, ask_country=True
            ), status
        if result.reason == "disabled":
            error, status = (
                _("This account is disabled. Ask your training centre to enable it."),
                403,
            )
        else:
            error, status = (
                _("The service number, e-mail address, PIN or password is not correct."),
                401,
            )
        return render_template("accounts/sign_in.html", form=form, error=error), status
    return _start_session(result.user)


def _start_session(user: User) -> Response:
    lang = session.get("lang")
    session.clear()  # a fresh session on sign-in: no fixation
    if lang:
        session["lang"] = lang
    start_session(user)
    if user.is_credential_temporary:
        return redirect(url_for("accounts.change_credential"))
    return redirect(
        safe_next(request.args.get("next")) if request.args.get("next") else url_for("core.home")
    )


@bp.post("/sign-out")
@signed_in
def sign_out() -> Response | tuple[str, int]:
    """End the session."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    language = current_user.preferred_language
    end_session()
    session.clear()
    session["lang"] = language  # the next visitor on this phone is most likely the same person
    flash(_("You have signed out."), "info")
    return redirect(url_for("core.index"))


@bp.route("/account/credential", methods=["GET", "POST"])
@signed_in
def change_credential() -> str | Response | tuple[str, int]:
    """Change one's own PIN or password (required after a first or reset sign-in)."""
    form = ChangeCredentialForm()
    temporary = current_user.is_credential_temporary
    if request.method == "GET":
        return render_template("accounts/change_credential.html", form=form, temporary=temporary)
    if not form.validate_on_submit():
        return render_template(
            "accounts/change_credential.html", form=form, temporary=temporary
        ), 400
    try:
        services.change_credential(current_user, form.current.data, form.new.data)
    except services.AccountError as error:
        return render_template(
            "accounts/change_credential.html", form=form, temporary=temporary, error=str(error)
        ), 400
    login_user(current_user._get_current_object())  # new credential version in the session
    flash(_("Your new PIN or password is saved."), "success")
    return redirect(url_for("core.home"))


@bp.get("/account/record.json")
@signed_in
def own_record_json() -> Response:
    """Everything the system keeps about the signed-in person, as JSON."""
    response = jsonify(
        {"generated_at": utcnow().isoformat(), **hooks.merged("personal_record", current_user)}
    )
    response.headers["Content-Disposition"] = 'attachment; filename="my-training-record.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/account/record.pdf")
@signed_in
def own_record_pdf() -> Response:
    """Everything the system keeps about the signed-in person, as a readable PDF."""
    language = current_language()
    centre = current_user.centre
    pdf = render_record(
        hooks.merged("personal_record", current_user),
        {
            "language": language,
            "direction": "rtl" if is_rtl(language) else "ltr",
            "title": _("My training record"),
            "intro": _(
                "Everything this training system keeps about %(name)s", name=current_user.full_name
            ),
            "nothing": _("Nothing recorded."),
            "centre": centre.issuer_name if centre else "",
            "generated_on": utcnow().date().isoformat(),
        },
    )
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = 'attachment; filename="my-training-record.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@admin_bp.get("/users")
@role_required("admin")
def users() -> str:
    """All accounts, filtered by role and a search term, 50 per page."""
    role = request.args.get("role") or None
    query = (request.args.get("q") or "")[:100]
    page = request.args.get("page", 1, type=page_number)
    found, total = services.search_users(role, query, page)
    return render_template(
        "admin/users.html", users=found, total=total, page=page, role=role, q=query, per_page=50
    )


@admin_bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def new_user() -> str | Response | tuple[str, int]:
    """Create a trainer, an administrator or a trainee; show the temporary credential once."""
    form = CreateUserForm()
    if request.method == "GET":
        return render_template("admin/new_user.html", form=form)
    if not form.validate_on_submit():
        return render_template("admin/new_user.html", form=form), 400
    try:
        user, secret = services.create_user(
            form.role.data,
            form.full_name.data,
            actor=current_user,
            email=form.email.data or None,
            service_number=form.service_number.data or None,
            rank=form.rank.data or None,
            preferred_language=form.preferred_language.data,
        )
    except services.AccountError as error:
        return render_template("admin/new_user.html", form=form, error=str(error)), 400
    return show_secret_once(user, secret)


def show_secret_once(user: User, secret: str, back_url: str | None = None) -> Response:
    """The page that shows a new temporary credential once (never cached)."""
    response = current_app.make_response(
        render_template(
            "admin/secret.html",
            user=user,
            secret=secret,
            back_url=back_url or url_for("admin.user_detail", user_id=user.id),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@admin_bp.get("/users/<int:user_id>")
@role_required("admin")
def user_detail(user_id: int) -> str:
    """One account, with its actions."""
    user = _user_or_404(user_id)
    audit.record_view(current_user, "user", user.id, "account")
    return render_template(
        "admin/user.html",
        user=user,
        form=ConfirmForm(),
        other_centres=centre_choices_for(current_user) if user.role == "trainee" else [],
    )


@admin_bp.route("/users/<int:user_id>/reset", methods=["GET", "POST"])
@role_required("admin")
def reset_credential(user_id: int) -> str | Response | tuple[str, int]:
    """GET asks first (the current PIN or password stops working at once); POST gives the user a
    new temporary one, once per confirmation: the form carries the credential's state when it was
    shown, so a reload of the result page (the same form sent again) or a second administrator's
    reset changes nothing."""
    user = _user_or_404(user_id)
    if request.method == "GET":
        return render_template(
            "admin/confirm_reset.html", user=user, form=ConfirmForm(), state=user.session_version
        )
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("state") != str(user.session_version):
        message = (
            _("This PIN was already reset. Nothing was changed; the new PIN was shown only once.")
            if user.uses_pin
            else _(
                "This password was already reset. Nothing was changed; the new password was"
                " shown only once."
            )
        )
        return render_template(
            "admin/user.html",
            user=user,
            form=ConfirmForm(),
            error=message,
            other_centres=centre_choices_for(current_user) if user.role == "trainee" else [],
        ), 409
    return show_secret_once(user, services.reset_credential(user, current_user))


@admin_bp.post("/users/<int:user_id>/author")
@role_required("admin")
def set_course_author(user_id: int) -> Response | tuple[str, int]:
    """Grant or withdraw the course author permission of a trainer or administrator."""
    return _switch(user_id, "author", services.set_course_author)


@admin_bp.post("/users/<int:user_id>/enabled")
@role_required("admin")
def set_enabled(user_id: int) -> Response | tuple[str, int]:
    """Enable or disable an account."""
    return _switch(user_id, "enabled", services.set_enabled)


def _switch(
    user_id: int, field: str, change: Callable[[User, bool, User], Any]
) -> Response | tuple[str, int]:
    """One on/off setting of an account, from its form's `field` ("1" for on)."""
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        change(user, request.form.get(field) == "1", current_user)
    except services.AccountError as error:
        return render_template(
            "admin/user.html", user=user, form=ConfirmForm(), error=str(error)
        ), 400
    flash(_("The account has been updated."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))
