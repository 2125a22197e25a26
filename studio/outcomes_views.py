"""Studio: the learning-outcome coverage of a course's draft or of one of its published versions.
For course authors only, inside their centre (the draft is found in the acting centre's scope)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from assessments.frameworks import current_frameworks
from lms.access import permission_required
from lms.i18n import current_language
from lms.yamlfile import PackageError
from studio import drafts, publishing
from studio.coverage import read_coverage

bp = Blueprint("studio_outcomes", __name__)


@bp.get("/courses/<slug>/coverage")
@permission_required("course_author")
def coverage(slug: str) -> tuple[str, int]:
    """Which framework outcomes the course teaches (a lesson refers to it), assesses (a question
    or a practical's criterion does), both or neither; `?version=N` for a published version."""
    draft = drafts.get_draft(slug)
    if draft is None:
        abort(404)
    versions = publishing.versions_of(draft)
    which = request.args.get("version", "draft")
    if which == "draft":
        files, version = drafts.draft_files(draft), None
    else:
        if not which.isascii() or not which.isdigit() or len(which) > 9:
            abort(404)
        version = publishing.get_version(draft, int(which))
        if version is None:
            abort(404)
        files = drafts.version_files(version)
    try:
        frameworks = current_frameworks()
    except PackageError as error:  # a centre's framework file is broken: say where
        return render_template(
            "studio/coverage.html",
            draft=draft,
            versions=versions,
            version=version,
            coverage=None,
            frameworks_problems=error.problems,
        ), 200
    result = read_coverage(files, frameworks, current_language())
    return render_template(
        "studio/coverage.html",
        draft=draft,
        versions=versions,
        version=version,
        coverage=result,
        frameworks_problems=None,
    ), 200
