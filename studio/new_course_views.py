"""Studio page: a new course of the centre from nothing (studio/new_course.py). For course
authors, inside their centre."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from lms.access import permission_required
from lms.i18n import current_language
from studio import drafts
from studio.new_course import NewCourseForm, catalog_standards, create_course

bp = Blueprint("studio_new", __name__)
author_only = permission_required("course_author")


def _form(form: NewCourseForm) -> NewCourseForm:
    form.standards.choices = [
        SelectChoice(code, f"{code} · {title}" if title else code)
        for code, title in catalog_standards(current_language())
    ]
    return form


@bp.get("/new")
@author_only
def new_course() -> str:
    """The form of a new course: short name, English title, standards."""
    return render_template("studio/new_course.html", form=_form(NewCourseForm(formdata=None)))


@bp.post("/new")
@author_only
def create() -> Response | tuple[str, int]:
    """Create the new course's draft; every problem next to its field, nothing written."""
    form = _form(NewCourseForm())
    if form.validate_on_submit():
        try:
            draft = create_course(
                form.slug.data, form.title.data, form.standards.data, current_user
            )
        except drafts.StudioError as error:
            form.slug.errors = [str(error)]
        else:
            flash(
                _(
                    "The course %(slug)s is created as a draft. Add its lessons and questions, "
                    "then check and publish it.",
                    slug=draft.slug,
                ),
                "success",
            )
            return redirect(url_for("studio.course", slug=draft.slug))
    return render_template("studio/new_course.html", form=form), 400
