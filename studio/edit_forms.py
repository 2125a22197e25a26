"""Forms of the studio's editors: course details, lessons, images. Each carries the draft revision
the author opened (a save on another revision is refused: studio.drafts.save_draft)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    Field,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from lms.forms import CheckboxesField
from lms.i18n import LANGUAGE_NAMES
from lms.settings import LANGUAGES
from studio.forms import _revision_field
from studio.loader import COURSE_RANGES, LESSON_MINUTES, QUIZ_RANGES

REQUIRED = _l("This field is required.")
WHOLE_NUMBER = _l("Enter a whole number from %(min)s to %(max)s.")


def _number(label: Any, limits: tuple[int, int]) -> IntegerField:
    low, high = limits
    return IntegerField(
        label,
        validators=[
            InputRequired(message=WHOLE_NUMBER),
            NumberRange(min=low, max=high, message=WHOLE_NUMBER),
        ],
    )


class DetailsForm(FlaskForm):
    """A course's details: texts per language, languages, marks, validity, quiz, version."""

    revision = _revision_field()
    languages = CheckboxesField(
        _l("Languages the course is complete in"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )
    version = StringField(
        _l("Version"),
        validators=[
            DataRequired(message=REQUIRED),
            Length(max=32, message=_l("This field is too long (at most %(max)d characters).")),
            Regexp(r"^[0-9A-Za-z][0-9A-Za-z.-]*$", message=_l("A version such as 1.2.")),
        ],
    )
    pass_mark = _number(_l("Pass mark (percent of the quiz)"), COURSE_RANGES["pass_mark"])
    validity_months = _number(_l("Certificate validity (months)"), COURSE_RANGES["validity_months"])
    questions_per_standard = _number(
        _l("Questions drawn per standard"), QUIZ_RANGES["questions_per_standard"]
    )
    standard_threshold = _number(
        _l("Percent needed in every standard"), QUIZ_RANGES["standard_threshold"]
    )
    time_limit_minutes = _number(_l("Time limit (minutes)"), QUIZ_RANGES["time_limit_minutes"])
    max_attempts = _number(_l("Attempts before the cool-down"), QUIZ_RANGES["max_attempts"])
    cooldown_hours = _number(_l("Cool-down (hours)"), QUIZ_RANGES["cooldown_hours"])
    save = SubmitField(_l("Save"))
    save_and_raise = SubmitField(_l("Save and raise the version"))

    def validate_languages(self, field: Field) -> None:
        """English is the reference language: every course is complete in it."""
        if "en" not in (field.data or []):
            raise ValidationError(_l("English is the reference language: keep it ticked."))

    def texts(self, kind: str) -> dict[str, str]:
        """The titles or summaries by language."""
        return {code: self[f"{kind}_{code}"].data or "" for code in LANGUAGES}

    def validate(self, extra_validators: Any = None) -> bool:
        """The standard checks, then a title and a summary in each language ticked."""
        ok = super().validate(extra_validators)
        for code in self.languages.data or []:
            for kind in ("title", "summary"):
                field = self[f"{kind}_{code}"]
                if code in LANGUAGES and not (field.data or "").strip():
                    field.errors = [
                        *field.errors,
                        _l("Needed: the course is complete in this language."),
                    ]
                    ok = False
        return ok


for _code in LANGUAGES:
    setattr(
        DetailsForm,
        f"title_{_code}",
        StringField(
            _l("Title (%(language)s)", language=LANGUAGE_NAMES[_code]),
            validators=[
                Length(max=200, message=_l("This field is too long (at most %(max)d characters)."))
            ],
        ),
    )
    setattr(
        DetailsForm,
        f"summary_{_code}",
        TextAreaField(
            _l("Summary (%(language)s)", language=LANGUAGE_NAMES[_code]),
            validators=[
                Length(max=1000, message=_l("This field is too long (at most %(max)d characters)."))
            ],
        ),
    )


class AddLessonForm(FlaskForm):
    """A new lesson at the end of the course."""

    revision = _revision_field()
    slug = StringField(
        _l("Short name of the lesson"),
        validators=[
            DataRequired(message=REQUIRED),
            Length(max=64, message=_l("This field is too long (at most %(max)d characters).")),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message=_l("Lower-case letters, digits and hyphens, e.g. reporting-channels."),
            ),
        ],
    )
    title = StringField(
        _l("Title in English"),
        validators=[
            DataRequired(message=REQUIRED),
            Length(max=200, message=_l("This field is too long (at most %(max)d characters).")),
        ],
    )


class LessonForm(FlaskForm):
    """A lesson's text in one language, its standards and its minimum duration."""

    revision = _revision_field()
    text = TextAreaField(_l("Lesson text (Markdown)"))
    standards = CheckboxesField(_l("Standards the lesson teaches"), choices=[])
    minutes = IntegerField(
        _l("Minimum duration (minutes, optional)"),
        validators=[
            Optional(),
            NumberRange(min=LESSON_MINUTES[0], max=LESSON_MINUTES[1], message=WHOLE_NUMBER),
        ],
    )
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))


class MoveLessonForm(FlaskForm):
    """Move a lesson one place up or down."""

    revision = _revision_field()
    direction = SelectField(choices=[SelectChoice("up", "up"), SelectChoice("down", "down")])


class RevisionForm(FlaskForm):
    """A form that only confirms an action on the draft as it was opened (remove a lesson)."""

    revision = _revision_field()


class ImageForm(FlaskForm):
    """An image for the course's media/ folder."""

    revision = _revision_field()
    image = FileField(
        _l("Image (PNG or JPEG)"),
        validators=[FileRequired(message=_l("Choose the image file."))],
    )
