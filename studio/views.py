"""Studio pages: the centre's courses and templates, a course's draft, publication, history,
comparison, export and import. For course authors only, inside their centre (lms/scope.py)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.access import permission_required
from studio import drafts, publishing, translations
from studio.compare import compare
from studio.forms import CopyTemplateForm, ImportCourseForm, ImportDraftForm, PublishForm
from studio.models import CourseDraft
from studio.package_zip import PackageFiles, ZipRefused, unpack
from studio.publishing import Problem

bp = Blueprint("studio", __name__)
author_only = permission_required("course_author")


def _draft_or_404(slug: str) -> CourseDraft:
    draft = drafts.get_draft(slug)
    if draft is None:
        abort(404)
    return draft


def _home(status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("import_form", ImportCourseForm())
    return render_template(
        "studio/home.html",
        drafts=drafts.centre_drafts(),
        templates=drafts.templates(),
        copy_form=context.pop("copy_form", None) or CopyTemplateForm(formdata=None),
        copy_template=request.form.get("template") if status != 200 else None,
        **context,
    ), status


@bp.get("/")
@author_only
def home() -> tuple[str, int]:
    """The centre's courses (drafts and published) and the bundled templates to copy."""
    return _home()


@bp.post("/copy")
@author_only
def copy_template() -> Response | tuple[str, int]:
    """Copy a bundled course into the centre under a new short name, as a draft."""
    form = CopyTemplateForm()
    if not form.validate_on_submit():
        return _home(400, copy_form=form)
    try:
        draft = drafts.copy_template(form.template.data, form.slug.data, current_user)
    except drafts.StudioError as error:
        return _home(400, copy_form=form, error=str(error))
    flash(_("The course is copied into your centre as a draft."), "success")
    return redirect(url_for("studio.course", slug=draft.slug))


def _uploaded(
    form: ImportCourseForm | ImportDraftForm,
) -> tuple[PackageFiles | None, list[Problem]]:
    """The files of the uploaded ZIP, or the reasons it is refused."""
    try:
        return unpack(form.package.data.read()), []
    except ZipRefused as error:
        return None, [Problem(p.name or "", None, str(p.message)) for p in error.problems]


@bp.post("/import")
@author_only
def import_course() -> Response | tuple[str, int]:
    """Import a package ZIP as a new course of the centre (validated first; nothing written on
    any problem)."""
    form = ImportCourseForm()
    if not form.validate_on_submit():
        return _home(400, import_form=form)
    files, problems = _uploaded(form)
    if files is None:
        return _home(400, import_form=form, problems=problems)
    slug = drafts.package_slug(files) or ""
    try:
        drafts.check_new_slug(slug)
    except drafts.StudioError as error:
        return _home(400, import_form=form, problems=[Problem("course.yaml", None, str(error))])
    validation = publishing.validate(files)
    if not validation.ok:
        return _home(400, import_form=form, problems=validation.problems)
    draft = drafts.create_draft(slug, files, current_user, "import")
    flash(_("The package is imported as a new course of your centre (a draft)."), "success")
    return redirect(url_for("studio.course", slug=draft.slug))


def _stale_translations(draft: CourseDraft) -> dict[str, int]:
    """Per language the draft offers, how many of its translations were made from an older
    English text (they are published as they are: the author is told, with a way to them)."""
    try:
        texts = translations.package_texts(draft.package, draft.package_sha256)
    except translations.UnreadableDraft:
        return {}
    offered = [code for code in (*texts.languages, *texts.partial) if code != "en"]
    rows = translations.matrix(texts, offered)
    return {
        row.language: row.total[translations.STALE] for row in rows if row.total[translations.STALE]
    }


def _course_page(draft: CourseDraft, status: int = 200, **context: Any) -> tuple[str, int]:
    versions = publishing.versions_of(draft)
    latest = versions[0] if versions else None
    return render_template(
        "studio/course.html",
        draft=draft,
        versions=versions,
        is_published=latest is not None and latest.package_sha256 == draft.package_sha256,
        stale=_stale_translations(draft),
        publish_form=PublishForm(formdata=None, revision=draft.revision),
        import_form=context.pop("import_form", None)
        or ImportDraftForm(formdata=None, revision=draft.revision),
        **context,
    ), status


@bp.get("/courses/<slug>")
@author_only
def course(slug: str) -> tuple[str, int]:
    """A course's draft: its status, publication, history, comparison, export and import."""
    return _course_page(_draft_or_404(slug))


@bp.post("/courses/<slug>/publish")
@author_only
def publish(slug: str) -> Response | tuple[str, int]:
    """Validate the draft as the loader does and publish it as the course's next version."""
    draft = _draft_or_404(slug)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        outcome = publishing.publish(draft, form.revision.data, current_user)
    except drafts.StaleDraft as error:
        return _conflict(draft, error)
    except drafts.StudioError as error:
        return _course_page(draft, 400, error=str(error))
    if outcome.version is None:
        return _course_page(draft, 400, problems=outcome.problems)
    flash(_("Version %(version)s is published.", version=outcome.version.version), "success")
    if outcome.lessons_changed:
        flash(
            _(
                "Changed lessons (trainees complete them again): %(lessons)s",
                lessons=", ".join(name.split("/", 1)[1] for name in outcome.lessons_changed),
            ),
            "info",
        )
    return redirect(url_for("studio.course", slug=slug))


@bp.post("/courses/<slug>/draft")
@author_only
def import_draft(slug: str) -> Response | tuple[str, int]:
    """Import a package ZIP as the course's new draft (validated first; refused if the draft
    changed since the page was opened)."""
    draft = _draft_or_404(slug)
    form = ImportDraftForm()
    if not form.validate_on_submit():
        return _course_page(draft, 400, import_form=form)
    files, problems = _uploaded(form)
    if files is None:
        return _course_page(draft, 400, import_form=form, problems=problems)
    validation = publishing.validate(files)
    if not validation.ok:
        return _course_page(draft, 400, import_form=form, problems=validation.problems)
    try:
        drafts.save_draft(draft, files, form.revision.data, current_user, "import")
    except drafts.StaleDraft as error:
        return _conflict(draft, error)
    except drafts.StudioError as error:
        return _course_page(draft, 400, import_form=form, error=str(error))
    flash(_("The package is imported as the course's draft."), "success")
    return redirect(url_for("studio.course", slug=slug))


def _conflict(draft: CourseDraft, error: drafts.StaleDraft) -> tuple[str, int]:
    """Both versions: the current draft (someone else's save) and what this author sent."""
    current = drafts.draft_files(error.draft)
    return _course_page(
        error.draft,
        409,
        error=str(error),
        conflict=compare(current, error.submitted),
    )


# What a draft's image may be served as (the package layout's media types).
IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "svg": "image/svg+xml",
}


def draft_image(draft: CourseDraft, name: str) -> Response:
    """An image of the draft's media/ folder for its author's pages (editor previews, the trainee
    preview), served so that it can only ever be an image: an SVG opened on its own runs nothing."""
    mimetype = IMAGE_TYPES.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None
    data = drafts.draft_files(draft).get(f"media/{name}") if "/" not in name else None
    if data is None or mimetype is None:
        abort(404)
    response = make_response(data)
    response.mimetype = mimetype
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    return response


def _zip_response(data: bytes, filename: str) -> Response:
    response = make_response(data)
    response.mimetype = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/courses/<slug>/draft.zip")
@author_only
def export_draft(slug: str) -> Response:
    """The draft as a package ZIP."""
    draft = _draft_or_404(slug)
    return _zip_response(draft.package, f"{draft.slug}-draft-{draft.revision}.zip")


@bp.get("/courses/<slug>/versions/<int:number>.zip")
@author_only
def export_version(slug: str, number: int) -> Response:
    """A published version as a package ZIP (byte for byte what was published)."""
    draft = _draft_or_404(slug)
    version = publishing.get_version(draft, number)
    if version is None:
        abort(404)
    return _zip_response(version.package, f"{draft.slug}-{version.version}.zip")


def _files_of(draft: CourseDraft, which: str) -> tuple[str, PackageFiles]:
    """("draft" or a version number) -> its label and files; 404 for an unknown version."""
    if which == "draft":
        return _("Draft"), drafts.draft_files(draft)
    if not which.isascii() or not which.isdigit() or len(which) > 9:
        abort(404)
    version = publishing.get_version(draft, int(which))
    if version is None:
        abort(404)
    return _("Version %(version)s", version=version.version), drafts.version_files(version)


@bp.get("/courses/<slug>/compare")
@author_only
def compare_versions(slug: str) -> str:
    """Two versions side by side: lesson text diffs, questions added, changed and removed."""
    draft = _draft_or_404(slug)
    versions = publishing.versions_of(draft)
    latest = str(versions[0].number) if versions else ""
    old_label, old = _files_of(draft, request.args.get("old", latest))
    new_label, new = _files_of(draft, request.args.get("new", "draft"))
    return render_template(
        "studio/compare.html",
        draft=draft,
        old_label=old_label,
        new_label=new_label,
        comparison=compare(old, new),
    )
