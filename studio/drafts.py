"""A centre's course drafts: the one module through which a draft's files are read and saved.

A draft is a whole package (studio.package_zip), stored with a revision number. Whatever changes a
draft (an import today; the lesson and question editors, the translation pages later) reads its
files with `draft_files` and saves them with `save_draft`, naming the revision it started from: a
save on a revision that changed meanwhile is refused with `StaleDraft`, never applied over it.

Everything here runs in the acting centre's scope (lms/scope.py): another centre's drafts and
courses are not found, and a draft's course is always the acting centre's.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from accounts.models import User
from courses.models import Course
from lms import audit, scope
from lms.db import db, utcnow
from studio.loader import CATALOG_DIR, SLUG_RE
from studio.models import CourseDraft, PublishedVersion
from studio.package_zip import PackageFiles, pack, read_folder, unpack_trusted

log = logging.getLogger(__name__)
SLUG_LINE = re.compile(r"^slug:.*$", re.MULTILINE)


class StudioError(ValueError):
    """Something an author asked for that cannot be done (the message is translated)."""


class StaleDraft(StudioError):
    """The draft was saved by someone else since the author opened it."""

    def __init__(self, draft: CourseDraft, submitted: PackageFiles) -> None:
        self.draft = draft
        self.submitted = submitted
        super().__init__(
            _(
                "This draft was changed by %(name)s since you opened it (%(when)s). Nothing was "
                "saved: compare both versions below, then start again from the current draft.",
                name=draft.updated_by.full_name,
                when=draft.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
            )
        )


@dataclass(frozen=True)
class Template:
    """A bundled course that authors may copy into their centre."""

    course: Course
    folder: Path


def get_draft(slug: str) -> CourseDraft | None:
    """The acting centre's draft of a course (None: none, or another centre's)."""
    return db.session.scalars(select(CourseDraft).where(CourseDraft.slug == slug)).one_or_none()


def centre_drafts() -> list[CourseDraft]:
    """The acting centre's drafts, by slug."""
    return list(db.session.scalars(select(CourseDraft).order_by(CourseDraft.slug)))


def templates() -> list[Template]:
    """The bundled courses (read-only templates) with the folder of each package."""
    folders = _bundled_folders()
    courses = db.session.scalars(
        select(Course).where(Course.centre_id.is_(None)).order_by(Course.slug)
    )
    return [Template(course, folders[course.slug]) for course in courses if course.slug in folders]


def _bundled_folders() -> dict[str, Path]:
    folders = {}
    for manifest in sorted(CATALOG_DIR.glob("*/course.yaml")):
        data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
        folders[str(data["slug"])] = manifest.parent
    return folders


def draft_files(draft: CourseDraft) -> PackageFiles:
    """The files of a draft's package."""
    return unpack_trusted(draft.package)


def version_files(version: PublishedVersion) -> PackageFiles:
    """The files of a published version's package."""
    return unpack_trusted(version.package)


def package_slug(files: Mapping[str, bytes]) -> str | None:
    """The slug a package's course.yaml names (None when it cannot be read)."""
    try:
        data = yaml.safe_load(files["course.yaml"].decode("utf-8"))
    except (KeyError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return str(data.get("slug")) if isinstance(data, dict) and data.get("slug") else None


def with_slug(files: Mapping[str, bytes], slug: str) -> PackageFiles:
    """The same package under another slug (its course.yaml's slug line rewritten)."""
    manifest = files["course.yaml"].decode("utf-8")
    return {**files, "course.yaml": SLUG_LINE.sub(f"slug: {slug}", manifest, count=1).encode()}


def check_new_slug(slug: str) -> None:
    """Refuse a slug that is malformed or used by any course or draft of the installation."""
    if not SLUG_RE.match(slug) or len(slug) > 64:
        raise StudioError(
            _("A course's short name uses lower-case letters, digits and hyphens (at most 64).")
        )
    with scope.unscoped(db.session):  # a slug is unique on the whole installation
        taken = db.session.scalar(
            select(Course.id).where(Course.slug == slug)
        ) or db.session.scalar(select(CourseDraft.id).where(CourseDraft.slug == slug))
    if taken:
        raise StudioError(
            _("The short name %(slug)s is already used by another course.", slug=slug)
        )


def create_draft(slug: str, files: PackageFiles, author: User, origin: str) -> CourseDraft:
    """A new course of the acting centre, as a draft holding these files."""
    check_new_slug(slug)
    if package_slug(files) != slug:
        raise StudioError(
            _("The package's course.yaml must name the course's short name %(slug)s.", slug=slug)
        )
    data = pack(files)
    draft = CourseDraft(
        slug=slug,
        package=data,
        package_sha256=hashlib.sha256(data).hexdigest(),
        origin=origin,
        updated_by_id=author.id,
        updated_by=author,
    )
    db.session.add(draft)
    db.session.flush()
    audit.record(
        "course_draft.created", "course_draft", draft.id, author.id, slug=slug, origin=origin
    )
    return draft


def copy_template(template_slug: str, new_slug: str, author: User) -> CourseDraft:
    """A bundled course copied into the acting centre under a new slug, as a draft."""
    template = next((t for t in templates() if t.course.slug == template_slug), None)
    if template is None:
        raise StudioError(_("This course is not one of the bundled templates."))
    files = with_slug(read_folder(template.folder), new_slug)
    return create_draft(new_slug, files, author, f"copy:{template_slug}")


def save_draft(
    draft: CourseDraft, files: PackageFiles, opened_revision: int, author: User, what: str
) -> CourseDraft:
    """Replace a draft's files; StaleDraft if it changed since `opened_revision` was read."""
    if package_slug(files) != draft.slug:
        raise StudioError(
            _(
                "The package's course.yaml must name the course's short name %(slug)s.",
                slug=draft.slug,
            )
        )
    if draft.revision != opened_revision:
        raise StaleDraft(draft, files)
    data = pack(files)
    if data == draft.package:
        return draft
    draft.package = data
    draft.package_sha256 = hashlib.sha256(data).hexdigest()
    draft.updated_at = utcnow()
    draft.updated_by_id = author.id
    draft.revision = opened_revision + 1
    try:
        db.session.flush()  # UPDATE ... WHERE revision = the one read: 0 rows if someone saved
    except StaleDataError:
        db.session.rollback()
        fresh = get_draft(draft.slug)
        assert fresh is not None  # drafts are never deleted
        raise StaleDraft(fresh, files) from None
    audit.record(
        "course_draft.saved",
        "course_draft",
        draft.id,
        author.id,
        revision=draft.revision,
        what=what,
    )
    return draft
