"""Certificate forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

# Shown only to staff who may manage the certificate: a reason (misconduct on the SEA course) is
# sensitive, so public answers say "revoked" and the date, never why.
REASON_LABELS = {
    "misconduct": _l("Misconduct"),
    "issued_in_error": _l("Issued in error"),
    "identity_error": _l("Wrong identity on the certificate"),
    "other": _l("Other"),
}


class RevokeForm(FlaskForm):
    """Revoke a certificate with a reason category."""

    reason = SelectField(
        _l("Reason"),
        choices=[
            SelectChoice("", _l("Choose a reason")),
            *(SelectChoice(value, label) for value, label in REASON_LABELS.items()),
        ],
        validators=[DataRequired(message=_l("Choose a reason for the revocation."))],
    )
    note = TextAreaField(
        _l("Note (kept in the audit log, not shown publicly)"),
        validators=[
            Length(max=1000, message=_l("This field is too long (at most %(max)d characters)."))
        ],
    )


class VerifyForm(FlaskForm):
    """Type a serial number to check a certificate."""

    class Meta:
        csrf = False  # a GET look-up that changes nothing

    serial = StringField(
        _l("Serial number"),
        validators=[
            DataRequired(message=_l("Enter the serial number printed on the certificate.")),
            Length(max=40, message=_l("This field is too long (at most %(max)d characters).")),
        ],
        render_kw={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"},
    )


class UploadForm(FlaskForm):
    """Upload a PDF to check that it is exactly the issued file."""

    document = FileField(
        _l("Certificate PDF"),
        validators=[FileRequired(message=_l("Choose the PDF file to check."))],
    )
