"""Account forms."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional

from lms.forms import CheckboxesField, country_choices
from lms.i18n import LANGUAGE_NAMES, time_zone_names

TOO_LONG = _l("This field is too long (at most %(max)d characters).")


def _required() -> DataRequired:
    return DataRequired(message=_l("This field is required."))


def _full_name_field() -> StringField:
    return StringField(_l("Full name"), validators=[_required(), Length(max=200, message=TOO_LONG)])


def _email_field(label: Any, presence: Any) -> EmailField:
    return EmailField(
        label,
        validators=[
            presence,
            Length(max=254, message=TOO_LONG),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
        ],
    )


def _language_field() -> SelectField:
    return SelectField(
        _l("Preferred language"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        default="en",
    )


class SignInForm(FlaskForm):
    """Sign in with a service number or e-mail, and a PIN or password."""

    identifier = StringField(
        _l("Service number or e-mail address"),
        validators=[_required(), Length(max=254, message=TOO_LONG)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    secret = PasswordField(
        _l("PIN or password"),
        validators=[_required(), Length(max=128, message=TOO_LONG)],
        render_kw={"autocomplete": "current-password"},
    )
    country = SelectField(_l("Country that issued your service number"), validators=[Optional()])

    def __init__(self, *args: Any, default_country: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice("", _l("Any country")), *country_choices()]
        if not self.is_submitted():
            self.country.data = default_country or ""


class ChangeCredentialForm(FlaskForm):
    """Choose a new PIN or password."""

    current = PasswordField(
        _l("Current PIN or password"),
        validators=[Optional(), Length(max=128, message=TOO_LONG)],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("New PIN or password"),
        validators=[_required(), Length(max=128, message=TOO_LONG)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new PIN or password"),
        validators=[_required(), EqualTo("new", message=_l("The two entries do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class CreateUserForm(FlaskForm):
    """An administrator creates an account."""

    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("trainer", _l("Trainer")),
            SelectChoice("trainee", _l("Trainee")),
            SelectChoice("admin", _l("Administrator")),
        ],
        validators=[_required()],
    )
    full_name = _full_name_field()
    email = _email_field(_l("E-mail address (trainers and administrators)"), Optional())
    service_number = StringField(
        _l("Service number (trainees)"), validators=[Optional(), Length(max=32, message=TOO_LONG)]
    )
    rank = StringField(_l("Rank"), validators=[Optional(), Length(max=64, message=TOO_LONG)])
    preferred_language = _language_field()


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token, for one-button actions."""


class CentreForm(FlaskForm):
    """A platform administrator creates or changes a training centre."""

    name = StringField(_l("Name"), validators=[_required(), Length(max=200, message=TOO_LONG)])
    country = SelectField(_l("Country"), validators=[Optional()])
    languages = CheckboxesField(_l("Teaching languages"))
    certificate_name = StringField(
        _l("Name printed on certificates (if not the centre's name)"),
        validators=[Optional(), Length(max=200, message=TOO_LONG)],
    )
    public_base_url = StringField(
        _l("Public address of the centre (if not the platform's)"),
        validators=[Optional(), Length(max=300, message=TOO_LONG)],
        render_kw={"dir": "ltr", "inputmode": "url"},
    )
    # Checked by accounts.centres.save_centre (one message for the form and the command line).
    time_zone = SelectField(_l("Time zone"), validators=[Optional()], validate_choice=False)
    retention_years = IntegerField(
        _l("Years to keep trainees' records after their last certificate expires"),
        default=10,
        validators=[
            _required(),
            NumberRange(min=1, max=50, message=_l("Enter a number from %(min)s to %(max)s.")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice("", _l("Choose a country")), *country_choices()]
        self.languages.choices = [SelectChoice(c, n) for c, n in LANGUAGE_NAMES.items()]
        self.time_zone.choices = [SelectChoice("", "UTC"), *((z, z) for z in time_zone_names())]


class CentreAdministratorForm(FlaskForm):
    """A platform administrator creates a centre's administrator."""

    full_name = _full_name_field()
    email = _email_field(_l("E-mail address"), _required())
    preferred_language = _language_field()
