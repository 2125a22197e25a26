"""Studio forms: copy a template, import a package, publish a draft, translate, edit its question
bank."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Regexp

SLUG_HINT = _l("Lower-case letters, digits and hyphens, e.g. sea-zero-tolerance-npl.")


def _slug_field() -> StringField:
    return StringField(
        _l("Short name of the new course"),
        validators=[
            DataRequired(message=_l("This field is required.")),
            Length(max=64, message=_l("This field is too long (at most %(max)d characters).")),
            Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=SLUG_HINT),
        ],
    )


def _package_field() -> FileField:
    return FileField(
        _l("Course package (ZIP)"),
        validators=[FileRequired(message=_l("Choose the ZIP file of the course package."))],
    )


def _revision_field() -> IntegerField:
    # The draft's revision when the page was opened: a save or publish on another is refused.
    return IntegerField(validators=[NumberRange(min=1, max=2**31 - 1)])


class CopyTemplateForm(FlaskForm):
    """Copy a bundled course into the centre under a new short name."""

    template = HiddenField(validators=[DataRequired()])
    slug = _slug_field()


class ImportCourseForm(FlaskForm):
    """Import a package ZIP as a new course of the centre."""

    package = _package_field()


class ImportDraftForm(FlaskForm):
    """Import a package ZIP as the new draft of an existing course."""

    package = _package_field()
    revision = _revision_field()


class PublishForm(FlaskForm):
    """Publish the draft as it was when the page was opened."""

    revision = _revision_field()


class TranslationForm(FlaskForm):
    """One text translated on the side-by-side page."""

    item = HiddenField(validators=[DataRequired()])
    text = TextAreaField(_l("Translation"), validators=[Length(max=200_000)])
    revision = _revision_field()


class PoImportForm(FlaskForm):
    """A translator's PO file for one language, read back into the draft."""

    po_file = FileField(
        _l("PO file"), validators=[FileRequired(message=_l("Choose the PO file to import."))]
    )
    revision = _revision_field()


class LanguageOfferForm(FlaskForm):
    """How a language is offered to trainees: complete, or partial (English where a text is
    missing)."""

    offer = SelectField(
        _l("Offer to trainees as"),
        choices=[
            SelectChoice("complete", _l("Complete")),
            SelectChoice("partial", _l("Partial: English where a text is missing")),
        ],
    )
    revision = _revision_field()


class QuestionForm(FlaskForm):
    """Save a question of the draft's bank (its fields are read by studio.question_bank, one
    per language and option row), on the draft as it was when the page was opened."""

    revision = _revision_field()


class DeleteQuestionForm(FlaskForm):
    """Delete a question of the draft's bank, on the draft as it was when the page was opened."""

    revision = _revision_field()
