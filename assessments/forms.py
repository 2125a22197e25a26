"""Assessment forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from assessments.practicals import session_date_problem


class QuizActionForm(FlaskForm):
    """Start, answer or submit: the chosen option keys are read and checked by the service."""


class ObservationForm(FlaskForm):
    """The date of a classroom session; the per-trainee fields are read by the service.

    available_since: when what is assessed was first loaded; the session cannot be earlier.
    """

    observed_on = DateField(
        _l("Date of the session"),
        validators=[DataRequired(message=_l("Enter the date of the session."))],
    )

    def __init__(self, *args: Any, available_since: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.available_since = available_since

    def validate_observed_on(self, field: DateField) -> None:
        problem = session_date_problem(field.data, self.available_since)
        if problem:
            raise ValidationError(problem)


class CorrectionForm(FlaskForm):
    """Why a record is corrected (the corrected values are read by the service)."""

    reason = TextAreaField(
        _l("Reason for the correction"),
        validators=[
            DataRequired(message=_l("Give the reason for the correction.")),
            Length(max=1000, message=_l("This field is too long (at most %(max)d characters).")),
        ],
    )
