"""Studio pages for a course's own standards and practical rubrics (the centre's catalog, carried
by the course package): list, add and edit, without JavaScript. For course authors, inside their
centre; every save goes through studio.drafts.save_draft with the revision the author opened."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import IntegerField
from wtforms.validators import NumberRange

from lms.access import permission_required
from lms.settings import RTL_LANGUAGES
from studio import catalog_edit as edit
from studio import drafts
from studio.compare import compare
from studio.models import CourseDraft
from studio.package_zip import PackageFiles

bp = Blueprint("studio_catalog", __name__)
author_only = permission_required("course_author")


class RevisionForm(FlaskForm):
    """The CSRF token and the draft's revision when the form was opened."""

    revision = IntegerField(validators=[NumberRange(min=1, max=2**31 - 1)])


def _draft_or_404(slug: str) -> CourseDraft:
    draft = drafts.get_draft(slug)
    if draft is None:
        abort(404)
    return draft


def _catalog_page(draft: CourseDraft, status: int = 200, **context: Any) -> tuple[str, int]:
    files = drafts.draft_files(draft)
    context.setdefault("required", edit.course_practicals(files))
    return render_template(
        "studio/catalog.html",
        draft=draft,
        standards=edit.own_standards(files),
        rubrics=edit.own_rubrics(files),
        choices=edit.practical_choices(files),
        form=RevisionForm(formdata=None, revision=draft.revision),
        **context,
    ), status


@bp.get("/courses/<slug>/catalog")
@author_only
def catalog(slug: str) -> tuple[str, int]:
    """The course's own standards and practicals (the centre's, carried by the package), and the
    practicals the course's trainees must pass."""
    return _catalog_page(_draft_or_404(slug))


@bp.post("/courses/<slug>/practicals")
@author_only
def practicals(slug: str) -> Response | tuple[str, int]:
    """Set the practicals the course's trainees must pass (course.yaml `practicals`)."""
    draft = _draft_or_404(slug)
    form = RevisionForm()
    if not form.validate_on_submit():
        abort(400)
    files = drafts.draft_files(draft)
    offered = [code for code, _title, _own in edit.practical_choices(files)]
    chosen = request.form.getlist("practical")
    if any(code not in offered for code in chosen):
        error = _("Choose among the practical tests listed. Nothing was saved.")
        return _catalog_page(draft, 400, error=error, required=chosen)
    codes = [code for code in offered if code in chosen]
    try:
        updated = edit.with_practicals(files, codes)
        drafts.save_draft(draft, updated, form.revision.data, current_user, "practicals")
    except drafts.StaleDraft as error:
        return _catalog_page(
            error.draft,
            409,
            error=str(error),
            conflict=compare(drafts.draft_files(error.draft), error.submitted),
            required=codes,
        )
    except drafts.StudioError as error:
        return _catalog_page(draft, 400, error=str(error), required=codes)
    flash(_("Saved in the draft. Publish the course to use it."), "success")
    return redirect(url_for("studio_catalog.catalog", slug=draft.slug))


def _texts(prefix: str, languages: tuple[str, ...]) -> dict[str, str]:
    return {code: request.form.get(f"{prefix}-{code}", "") for code in languages}


def _save(
    draft: CourseDraft, files: PackageFiles, what: str, page: str, **context: Any
) -> Response | tuple[str, int]:
    """Save the draft from the revision the form was opened on; the conflict page if stale."""
    try:
        drafts.save_draft(draft, files, int(request.form["revision"]), current_user, what)
    except drafts.StaleDraft as error:
        return render_template(
            page,
            draft=error.draft,
            error=str(error),
            conflict=compare(drafts.draft_files(error.draft), error.submitted),
            form=RevisionForm(formdata=None, revision=error.draft.revision),
            **context,
        ), 409
    except drafts.StudioError as error:
        return render_template(
            page, draft=draft, error=str(error), form=RevisionForm(), **context
        ), 400
    flash(_("Saved in the draft. Publish the course to use it."), "success")
    return redirect(url_for("studio_catalog.catalog", slug=draft.slug))


def _refused(page: str, draft: CourseDraft, form: RevisionForm, **context: Any) -> tuple[str, int]:
    error = _("Nothing was saved: correct the fields marked below.")
    return render_template(page, draft=draft, form=form, error=error, **context), 400


@bp.route("/courses/<slug>/standards/new", methods=["GET", "POST"], endpoint="new_standard")
@bp.route("/courses/<slug>/standards/<code>", methods=["GET", "POST"])
@author_only
def standard(slug: str, code: str | None = None) -> Response | str | tuple[str, int]:
    """Add or edit one of the course's own standards: code (when added), mastery threshold,
    title and description in each of the course's languages."""
    draft = _draft_or_404(slug)
    files = drafts.draft_files(draft)
    existing = edit.find_standard(files, code) if code else None
    if code and existing is None:
        abort(404)
    page = "studio/standard_form.html"
    context: dict[str, Any] = {
        "languages": edit.course_languages(files),
        "is_new": code is None,
        "rtl": RTL_LANGUAGES,
    }
    if request.method == "GET":
        form = RevisionForm(formdata=None, revision=draft.revision)
        data = existing or edit.StandardInput()
        return render_template(page, draft=draft, form=form, data=data, errors={}, **context)
    form = RevisionForm()
    if not form.validate_on_submit():
        abort(400)
    data = edit.StandardInput(
        code=existing.code if existing else request.form.get("code", "").strip().upper(),
        mastery_threshold=request.form.get("mastery_threshold", ""),
        title=_texts("title", context["languages"]),
        description=_texts("description", context["languages"]),
        version=existing.version if existing else 0,
    )
    errors = edit.check_standard(files, data, is_new=existing is None)
    context.update(data=data, errors=errors)
    if errors:
        return _refused(page, draft, form, **context)
    return _save(draft, edit.with_standard(files, data), f"standard {data.code}", page, **context)


def _criteria_from_form(languages: tuple[str, ...]) -> list[edit.CriterionInput]:
    rows = []
    for index in range(edit.MAX_CRITERIA + 1):
        if f"criterion-{index}-id" not in request.form:
            break
        rows.append(
            edit.CriterionInput(
                id=request.form.get(f"criterion-{index}-id", "").strip()[:16],
                text=_texts(f"criterion-{index}", languages),
                required=request.form.get(f"criterion-{index}-required") == "1",
            )
        )
    return rows


@bp.route("/courses/<slug>/rubrics/new", methods=["GET", "POST"], endpoint="new_rubric")
@bp.route("/courses/<slug>/rubrics/<code>", methods=["GET", "POST"])
@author_only
def rubric(slug: str, code: str | None = None) -> Response | str | tuple[str, int]:
    """Add or edit one of the course's own practicals: code (when added), standard, title,
    instructions, optional time limit, criteria rows (text per language, required or not).
    "Add a criterion" and "Remove" show the form again with one row more or less, saving nothing."""
    draft = _draft_or_404(slug)
    files = drafts.draft_files(draft)
    existing = edit.find_rubric(files, code) if code else None
    if code and existing is None:
        abort(404)
    page = "studio/rubric_form.html"
    languages = edit.course_languages(files)
    context: dict[str, Any] = {
        "languages": languages,
        "is_new": code is None,
        "standards": edit.standard_choices(files),
        "rtl": RTL_LANGUAGES,
    }
    if request.method == "GET":
        form = RevisionForm(formdata=None, revision=draft.revision)
        data = existing or edit.RubricInput(criteria=[edit.CriterionInput()])
        return render_template(page, draft=draft, form=form, data=data, errors={}, **context)
    form = RevisionForm()
    if not form.validate_on_submit():
        abort(400)
    data = edit.RubricInput(
        code=existing.code if existing else request.form.get("code", "").strip().upper(),
        standard=request.form.get("standard", ""),
        time_limit=request.form.get("time_limit", ""),
        title=_texts("title", languages),
        instructions=_texts("instructions", languages),
        criteria=_criteria_from_form(languages),
        version=existing.version if existing else 0,
    )
    action = request.form.get("action", "save")
    if action == "add-criterion" and len(data.criteria) < edit.MAX_CRITERIA:
        data.criteria.append(edit.CriterionInput())
    elif action.startswith("remove-") and action[7:].isdigit():
        index = int(action[7:])
        if index < len(data.criteria):
            del data.criteria[index]
    if action != "save":
        return render_template(page, draft=draft, form=form, data=data, errors={}, **context)
    errors = edit.check_rubric(files, data, is_new=existing is None)
    context.update(data=data, errors=errors)
    if errors:
        return _refused(page, draft, form, **context)
    return _save(draft, edit.with_rubric(files, data), f"rubric {data.code}", page, **context)
