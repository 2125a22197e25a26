"""Forms of the token admin pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from cohorts.forms import CheckboxesField
from lms.db import utcnow

TOO_LONG = _l("This field is too long (at most %(max)d characters).")


class TokenForm(FlaskForm):
    """Create an access token for a personnel system."""

    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("This field is required.")),
            Length(max=100, message=TOO_LONG),
        ],
    )
    scope = RadioField(
        _l("Cohorts this token may read"),
        choices=[
            SelectChoice("cohorts", _l("Only the cohorts chosen below")),
            SelectChoice("all", _l("Every cohort, present and future")),
        ],
        default="cohorts",
        validators=[DataRequired(message=_l("This field is required."))],
    )
    cohorts = CheckboxesField(_l("Cohorts"), coerce=int)
    expires_on = DateField(_l("Stops working on (optional)"), validators=[Optional()])

    def __init__(
        self, *args: Any, cohort_choices: Iterable[SelectChoice] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.cohorts.choices = list(cohort_choices)

    def validate_cohorts(self, field: CheckboxesField) -> None:
        if self.scope.data == "cohorts" and not field.data:
            raise ValidationError(_l("Choose at least one cohort, or every cohort."))

    def validate_expires_on(self, field: DateField) -> None:
        if field.data is not None and field.data <= utcnow().date():
            raise ValidationError(_l("The expiry date must be in the future."))


class RevokeTokenForm(FlaskForm):
    """The one-button revocation form (its CSRF token only)."""
