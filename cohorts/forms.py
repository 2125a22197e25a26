"""Cohort forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pycountry
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from cohorts.missions import MISSIONS
from lms.forms import CheckboxesField, country_choices

TOO_LONG = _l("This field is too long (at most %(max)d characters).")


class CohortForm(FlaskForm):
    """Create or edit a cohort."""

    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("This field is required.")),
            Length(max=200, message=TOO_LONG),
        ],
    )
    country = SelectField(
        _l("Contributing country"), validators=[DataRequired(message=_l("This field is required."))]
    )
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    mission = SelectField(_l("Mission"), validators=[Optional()])
    deployment_date = DateField(_l("Deployment date"), validators=[Optional()])
    courses = CheckboxesField(_l("Required courses"), coerce=int)
    trainers = CheckboxesField(_l("Trainers"), coerce=int)

    def __init__(
        self,
        *args: Any,
        course_choices: Iterable[tuple[int, str]] = (),
        trainer_choices: Iterable[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice("", _l("Choose a country")), *country_choices()]
        self.mission.choices = [SelectChoice("", _l("Not decided yet"))] + [
            SelectChoice(code, f"{code} — {name}") for code, name in MISSIONS.items()
        ]
        self.courses.choices = list(course_choices)
        self.trainers.choices = list(trainer_choices)

    def validate_country(self, field: StringField) -> None:
        if pycountry.countries.get(alpha_3=field.data or "") is None:
            raise ValidationError(_l("Choose a country from the list."))


class RosterForm(FlaskForm):
    """Upload a roster (CSV or XLSX)."""

    roster = FileField(
        _l("Roster file (CSV or XLSX)"),
        validators=[FileRequired(message=_l("Choose the roster file."))],
    )


class TransferRequestForm(FlaskForm):
    """A trainer asks for another cohort's trainee to be moved into theirs."""

    service_number = HiddenField(validators=[DataRequired(), Length(max=32)])
    nationality = HiddenField(validators=[Optional(), Length(max=3)])
    reason = StringField(
        _l("Why (for the administrator)"),
        validators=[Optional(), Length(max=500, message=TOO_LONG)],
    )


class TransferDecisionForm(FlaskForm):
    """An administrator approves or refuses a transfer request."""

    decision = HiddenField(validators=[AnyOf(["approve", "refuse"])])


class CentreTransferForm(FlaskForm):
    """A centre administrator asks another centre to take a trainee."""

    to_centre = SelectField(_l("Training centre"), coerce=int, validators=[DataRequired()])
    reason = StringField(
        _l("Why (for the other centre's administrator)"),
        validators=[Optional(), Length(max=500, message=TOO_LONG)],
    )

    def __init__(
        self, *args: Any, centre_choices: Iterable[tuple[int, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.to_centre.choices = list(centre_choices)
