"""Forms of the shell."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from lms.settings import LANGUAGES


class LanguageForm(FlaskForm):
    """The language switcher: one button per language."""

    lang = StringField(
        _l("Language"),
        validators=[
            DataRequired(),
            AnyOf(LANGUAGES, message=_l("This language is not available.")),
        ],
    )
    next = HiddenField(validators=[Length(max=500)])
