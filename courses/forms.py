"""Course forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from lms.i18n import LANGUAGE_NAMES


class EmptyForm(FlaskForm):
    """A one-button form: only its CSRF token (enrol, mark as complete)."""


class PackForm(FlaskForm):
    """Choose the language of an offline course pack."""

    class Meta:
        csrf = False  # a GET download that changes nothing

    lang = SelectField(
        _l("Language of the course pack"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
    )
