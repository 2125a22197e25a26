"""LTI forms: an administrator registers a platform; a teacher picks a course (deep linking)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp

TOO_LONG = _l("This field is too long (at most %(max)d characters).")
LAUNCH_ID = r"^lti1p3-launch-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _required() -> DataRequired:
    return DataRequired(message=_l("This field is required."))


def _url(required: bool = True) -> list[object]:
    return [
        _required() if required else Optional(),
        Length(max=500, message=TOO_LONG),
        URL(require_tld=False, message=_l("Enter a web address starting with https://.")),
        Regexp(r"^https?://", message=_l("Enter a web address starting with https://.")),
    ]


class PlatformForm(FlaskForm):
    """A learning platform's registration, as its administrator gives it."""

    name = StringField(
        _l("Name"),
        validators=[_required(), Length(max=200, message=TOO_LONG)],
        description=_l("For you, e.g. “Moodle of the training centre”."),
    )
    issuer = StringField(
        _l("Issuer (platform ID)"),
        validators=[_required(), Length(max=255, message=TOO_LONG)],
        render_kw={"dir": "ltr", "spellcheck": "false"},
    )
    client_id = StringField(
        _l("Client ID"),
        validators=[_required(), Length(max=255, message=TOO_LONG)],
        render_kw={"dir": "ltr", "spellcheck": "false"},
    )
    auth_login_url = StringField(
        _l("Authentication request URL (OIDC)"), validators=_url(), render_kw={"dir": "ltr"}
    )
    auth_token_url = StringField(
        _l("Access token URL"), validators=_url(), render_kw={"dir": "ltr"}
    )
    auth_audience = StringField(
        _l("Access token audience (only if the platform asks for one)"),
        validators=[Optional(), Length(max=500, message=TOO_LONG)],
        render_kw={"dir": "ltr"},
    )
    key_set_url = StringField(
        _l("Public key set URL"), validators=_url(required=False), render_kw={"dir": "ltr"}
    )
    key = TextAreaField(
        _l("Or the platform's public key (PEM or JSON key set)"),
        validators=[Optional(), Length(max=20000, message=TOO_LONG)],
        render_kw={"dir": "ltr", "rows": 4, "spellcheck": "false"},
    )
    deployment_ids = TextAreaField(
        _l("Deployment IDs, one per line"),
        validators=[_required(), Length(max=5000, message=TOO_LONG)],
        render_kw={"dir": "ltr", "rows": 3, "spellcheck": "false"},
    )
    is_enabled = BooleanField(_l("Launches from this platform are accepted"), default=True)

    def values(self) -> dict[str, object]:
        """The form's values for lti.platforms.save_platform."""
        return {
            "name": self.name.data,
            "issuer": self.issuer.data,
            "client_id": self.client_id.data,
            "auth_login_url": self.auth_login_url.data,
            "auth_token_url": self.auth_token_url.data,
            "auth_audience": self.auth_audience.data,
            "key_set_url": self.key_set_url.data,
            "key": self.key.data,
            "deployment_ids": (self.deployment_ids.data or "").splitlines(),
            "is_enabled": self.is_enabled.data,
        }


class CourseChoiceForm(FlaskForm):
    """A teacher picks the course an activity of their platform opens.

    No CSRF token from the session: the page is often framed by the platform, where the session
    cookie is not sent. The single-use launch id plays that role: only the page of the validated
    deep-linking launch knows it (see lti.views.deep_link).
    """

    class Meta:
        csrf = False

    launch_id = HiddenField(validators=[_required(), Regexp(LAUNCH_ID)])
    course = RadioField(_l("Course"), validators=[_required()], choices=[], validate_choice=True)
