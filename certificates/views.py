"""Certificate pages: the holder's and trainer's lists, downloads, revocation, public verification."""

from __future__ import annotations

import hashlib

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from certificates import services
from certificates.forms import REASON_LABELS, RevokeForm, UploadForm, VerifyForm
from certificates.models import Certificate
from certificates.serials import SerialCheck, read_serial
from lms import audit, hooks
from lms.access import public, role_required, signed_in
from lms.db import utcnow
from lms.security import limiter

bp = Blueprint("certificates", __name__)
verify_bp = Blueprint("verify", __name__)
MAX_UPLOAD = 10 * 1024 * 1024


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def _certificate_or_404(serial: str) -> Certificate:
    certificate = services.find_by_serial(serial)
    if certificate is None or not services.may_download(current_user, certificate):
        abort(404)  # a guessed serial of someone else's certificate is not revealed
    return certificate


@bp.get("/")
@signed_in
def mine() -> str:
    """The trainee's certificates; a trainer's cohorts' certificates; all for an admin."""
    return render_template(
        "certificates/mine.html",
        certificates=services.certificates_visible_to(current_user),
        today=utcnow().date(),
    )


@bp.get("/<serial>")
@signed_in
def detail(serial: str) -> str:
    """One certificate, its status and (for its trainers and admins) the revocation form."""
    certificate = _certificate_or_404(serial)
    audit.record_view(current_user, "user", certificate.trainee_id, f"certificate {serial}")
    can_manage = services.may_manage(current_user, certificate)
    return _detail_page(certificate, RevokeForm() if can_manage else None)


def _detail_page(certificate: Certificate, form: RevokeForm | None) -> str:
    """The certificate's page; with a form (the user may manage it), also why it was revoked."""
    revocation = certificate.revocation if form is not None else None
    return render_template(
        "certificates/detail.html",
        certificate=certificate,
        today=utcnow().date(),
        form=form,
        revocation=revocation,
        reason_label=REASON_LABELS.get(revocation.reason) if revocation else None,
    )


@bp.get("/<serial>.pdf")
@signed_in
def download(serial: str) -> BaseResponse:
    """The stored PDF, exactly as issued."""
    certificate = services.undeferred_pdf(serial)
    if certificate is None or not services.may_download(current_user, certificate):
        abort(404)  # a guessed serial of someone else's certificate is not revealed
    if certificate.holder_removed_at is not None:
        abort(410)  # the retention policy deleted the file (it printed the holder's name)
    audit.record_view(current_user, "user", certificate.trainee_id, f"certificate {serial} PDF")
    response = make_response(certificate.pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.serial}.pdf"'
    )
    response.set_etag(certificate.sha256)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response.make_conditional(request)


@bp.post("/<serial>/revoke")
@role_required("trainer", "admin")
def revoke(serial: str) -> BaseResponse | tuple[str, int]:
    """Revoke a certificate (admins, and trainers of the holder's cohort)."""
    certificate = services.find_by_serial(serial)
    if certificate is None or not services.may_manage(current_user, certificate):
        abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(certificate, current_user, form.reason.data, form.note.data)
        except services.CertificateError as error:
            form.reason.errors = [str(error)]
        else:
            flash(_("The certificate is revoked."), "success")
            return redirect(url_for("certificates.detail", serial=serial))
    return _detail_page(certificate, form), 400


@bp.get("/cohorts/<int:cohort_id>.zip")
@role_required("trainer", "admin")
def cohort_zip(cohort_id: int) -> Response:
    """Every certificate of a cohort as one ZIP, streamed from the stored PDFs."""
    # The cohorts domain answers with the members of a cohort the user may see, else None.
    members = next(
        (
            ids
            for ids in hooks.answers("cohort_members", current_user, cohort_id)
            if ids is not None
        ),
        None,
    )
    if members is None:
        abort(404)  # another trainer's cohort is as good as missing
    ids = [c.id for c in services.certificates_of(members)]
    response = Response(stream_with_context(services.stream_zip(ids)), mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certificates-cohort-{cohort_id}.zip"'
    )
    return response


def _verification(certificate: Certificate) -> dict[str, object]:
    today = utcnow().date()
    revocation = certificate.revocation
    return {
        "serial": certificate.serial,
        "status": certificate.status_on(today),
        # Under the retention policy the holder's name is removed: the certificate stays checkable.
        "holder": None if certificate.holder_removed_at else certificate.holder_name,
        "holder_removed": certificate.holder_removed_at is not None,
        "course": certificate.course_title,
        "course_version": certificate.course_version,
        "issued_on": certificate.issued_on.isoformat(),
        "expires_on": certificate.expires_on.isoformat(),
        "sha256": certificate.sha256,
        # The date only, never the reason (sensitive): staff see it on the certificate's page.
        "revoked_on": revocation.revoked_at.date().isoformat() if revocation else None,
    }


@verify_bp.get("/")
@public
@limiter.limit(_verify_limit)
def verify_form() -> str | BaseResponse | tuple[str, int]:
    """Type a serial number; a typo is caught by the check character."""
    form = VerifyForm(request.args)
    if not request.args:
        return render_template("certificates/verify_form.html", form=VerifyForm(formdata=None))
    if not form.validate():
        return render_template("certificates/verify_form.html", form=form), 400
    checked = read_serial(form.serial.data)
    if checked.serial is None:
        form.serial.errors = [_serial_problem(checked)]
        return render_template("certificates/verify_form.html", form=form), 400
    return redirect(url_for("verify.verify_serial", serial=checked.serial))


def _serial_problem(checked: SerialCheck) -> str:
    if checked.problem == "character":
        return _(
            "Serial numbers never contain the character “%(char)s” (nor 0, O, 1, I or L). Check what you typed.",
            char=checked.character,
        )
    if checked.problem == "length":
        return _(
            "A serial number has 16 characters, in four groups of four, for example 7K3M-Q9PX-4RTW-Z2CD."
        )
    return _(
        "This serial number has a typing mistake: one character is wrong or two are swapped. Check it against the certificate."
    )


@verify_bp.get("/<serial>")
@public
@limiter.limit(_verify_limit)
def verify_serial(serial: str) -> str | BaseResponse | tuple[str, int]:
    """The public verification page: status, holder, course, dates, SHA-256; nothing else."""
    checked = read_serial(serial)
    if checked.serial is None:
        form = VerifyForm(formdata=None, serial=serial)
        form.serial.errors = [_serial_problem(checked)]
        return render_template("certificates/verify_form.html", form=form), 400
    if checked.serial != serial:
        return redirect(url_for("verify.verify_serial", serial=checked.serial))
    certificate = services.find_by_serial(serial)
    if certificate is None:
        return render_template("certificates/verify_unknown.html", serial=serial), 404
    return render_template(
        "certificates/verify.html", v=_verification(certificate), upload=UploadForm()
    )


@verify_bp.get("/<serial>.json")
@public
@limiter.limit(_verify_limit)
def verify_json(serial: str) -> tuple[Response, int]:
    """The same answer for machines."""
    checked = read_serial(serial)
    certificate = services.find_by_serial(checked.serial) if checked.serial else None
    if certificate is None:
        return jsonify(
            {"serial": serial, "status": "unknown" if checked.serial else "invalid"}
        ), 404
    return jsonify(_verification(certificate)), 200


@verify_bp.post("/<serial>/file")
@public
@limiter.limit(_verify_limit)
def verify_file(serial: str) -> str | tuple[str, int]:
    """Upload a PDF: is it exactly the issued file?"""
    certificate = services.find_by_serial(serial)
    if certificate is None:
        abort(404)
    form = UploadForm()
    verification = _verification(certificate)
    if not form.validate_on_submit():
        return render_template("certificates/verify.html", v=verification, upload=form), 400
    digest = hashlib.sha256(form.document.data.read(MAX_UPLOAD + 1)).hexdigest()
    return render_template(
        "certificates/verify.html",
        v=verification,
        upload=UploadForm(formdata=None),
        file_matches=digest == certificate.sha256,
        uploaded_sha256=digest,
    )
