"""Forms of the shell."""

from __future__ import annotations

import pycountry
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from lms.settings import LANGUAGES


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (no JavaScript needed)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def country_choices() -> list[SelectChoice]:
    """Every ISO 3166-1 country as a choice: "Nepal (NPL)"."""
    return [
        SelectChoice(c.alpha_3, f"{c.name} ({c.alpha_3})")
        for c in sorted(pycountry.countries, key=lambda c: c.name)
    ]


class LanguageForm(FlaskForm):
    """The language switcher: one button per language."""

    lang = StringField(
        _l("Language"),
        validators=[
            DataRequired(),
            AnyOf(LANGUAGES, message=_l("This language is not available.")),
        ],
    )
    # Checked where it is used (lms.views.safe_next): an unusable target is simply not followed.
    next = HiddenField()
