"""Validating and publishing a draft: exactly the loader's checks, then exactly its writing.

`validate` writes a package's files to a temporary folder and reads it with
`studio.loader.read_package` (shape, cross-references, bank and content checks: every problem with
its file and line), as `flask courses load` does. `publish` then writes it with
`studio.sync.sync_course`, so the content-hash rules keep what trainees already did on unchanged
lessons and questions, and keeps the published package as an immutable `PublishedVersion`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select

from accounts.models import User
from assessments.catalog import load_rubrics, load_standards
from courses.models import Course
from lms import audit, scope
from lms.db import db
from lms.yamlfile import FileProblem, PackageError
from studio.drafts import StaleDraft, StudioError, draft_files
from studio.loader import CoursePackage, read_package
from studio.models import CourseDraft, PublishedVersion
from studio.package_zip import PackageFiles, pack
from studio.sync import LoadReport, package_hash, sync_course

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """One problem of a package, at its place inside the package."""

    path: str  # "lessons/01-intro.en.md"
    line: int | None
    message: str


@dataclass
class Validation:
    """What the validator found; `problems` empty means the package can be published."""

    problems: list[Problem] = field(default_factory=list)
    lessons: int = 0
    questions: int = 0
    version: str = ""
    content_hash: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def _relative(problems: list[FileProblem], root: Path) -> list[Problem]:
    found = []
    for problem in problems:
        try:
            path = problem.path.relative_to(root).as_posix()
        except ValueError:  # a shared file (a standard), not one of the package's
            path = problem.path.name
        found.append(Problem(path, problem.line, problem.message))
    return found


def _scratch_folder(files: Mapping[str, bytes]) -> str | None:
    """Where a package's files are written for the loader: memory (/dev/shm) when it has room, as
    creating and removing 240 small files on a busy disk took 0.4 s of a publish; else the usual
    temporary folder (None)."""
    shm = "/dev/shm"  # noqa: S108 - only as mkdtemp's parent: a private folder, random name
    try:
        if not os.access(shm, os.W_OK):
            return None
        free = os.statvfs(shm)
    except OSError:
        return None
    needed = 2 * sum(len(data) for data in files.values()) + 64 * 1024 * 1024
    return shm if free.f_bavail * free.f_frsize > needed else None


def _read(files: Mapping[str, bytes], root: Path) -> CoursePackage:
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    standards = load_standards()
    return read_package(root, standards, load_rubrics(standards))


def validate(files: Mapping[str, bytes]) -> Validation:
    """Run the loader's validator on a package's files."""
    with tempfile.TemporaryDirectory(prefix="studio-", dir=_scratch_folder(files)) as folder:
        root = Path(folder) / "package"
        try:
            package = _read(files, root)
        except PackageError as error:
            return Validation(problems=_relative(error.problems, root))
        return Validation(
            lessons=len(package.lessons),
            questions=len(package.questions),
            version=package.version,
            content_hash=package_hash(package),
        )


def read_checked(files: Mapping[str, bytes]) -> CoursePackage | list[Problem]:
    """The package these files make, validated as `validate` does, or the validator's problems
    (for the preview: its texts and questions are read; its folder is gone on return)."""
    with tempfile.TemporaryDirectory(prefix="studio-") as folder:
        root = Path(folder) / "package"
        try:
            return _read(files, root)
        except PackageError as error:
            return _relative(error.problems, root)


@dataclass
class Publication:
    """A publish's outcome: the new version, or the problems that stopped it."""

    version: PublishedVersion | None
    problems: list[Problem]
    lessons_changed: list[str] = field(default_factory=list)


def versions_of(draft: CourseDraft) -> list[PublishedVersion]:
    """The published versions of a draft's course, newest first."""
    if draft.course_id is None:
        return []
    return list(
        db.session.scalars(
            select(PublishedVersion)
            .where(PublishedVersion.course_id == draft.course_id)
            .order_by(PublishedVersion.number.desc())
        )
    )


def get_version(draft: CourseDraft, number: int) -> PublishedVersion | None:
    """One published version of a draft's course (None: no such version in this centre)."""
    if draft.course_id is None:
        return None
    return db.session.scalars(
        select(PublishedVersion).where(
            PublishedVersion.course_id == draft.course_id, PublishedVersion.number == number
        )
    ).one_or_none()


def publish(draft: CourseDraft, opened_revision: int, author: User) -> Publication:
    """Validate the draft and load it as the course's next version; nothing is written on any
    problem (the caller's request rolls back what a failed load flushed)."""
    files = draft_files(draft)
    if draft.revision != opened_revision:
        raise StaleDraft(draft, files)
    latest = next(iter(versions_of(draft)), None)
    if draft.course_id is None:
        _refuse_taken_slug(draft.slug)
    with tempfile.TemporaryDirectory(prefix="studio-", dir=_scratch_folder(files)) as folder:
        root = Path(folder) / "package"
        try:
            package = _read(files, root)
        except PackageError as error:
            return Publication(None, _relative(error.problems, root))
        digest = package_hash(package)
        if latest is not None and latest.content_hash == digest:
            raise StudioError(_nothing_changed(latest))
        report = LoadReport()
        try:
            course = sync_course(package, report, digest)
        except PackageError as error:
            return Publication(None, _relative(error.problems, root))
    return Publication(
        _record(draft, course, package, digest, files, author), [], report.lessons_changed
    )


def _nothing_changed(latest: PublishedVersion) -> str:
    return _(
        "Nothing changed since version %(version)s: there is nothing to publish.",
        version=latest.version,
    )


def _refuse_taken_slug(slug: str) -> None:
    # A course loaded from the command line since the draft was made may have taken the slug.
    with scope.unscoped(db.session):
        taken = db.session.scalar(select(Course.id).where(Course.slug == slug))
    if taken:
        raise StudioError(
            _("The short name %(slug)s is already used by another course.", slug=slug)
        )


def _record(
    draft: CourseDraft,
    course: Course,
    package: CoursePackage,
    digest: str,
    files: PackageFiles,
    author: User,
) -> PublishedVersion:
    db.session.flush()
    draft.course_id = course.id
    number = (
        db.session.scalar(
            select(func.max(PublishedVersion.number)).where(PublishedVersion.course_id == course.id)
        )
        or 0
    ) + 1
    data = pack(files)
    version = PublishedVersion(
        course_id=course.id,
        number=number,
        version=package.version,
        package=data,
        package_sha256=hashlib.sha256(data).hexdigest(),
        content_hash=digest,
        published_by_id=author.id,
        published_by=author,
    )
    db.session.add(version)
    db.session.flush()
    audit.record(
        "course.published", "course", course.id, author.id, number=number, version=package.version
    )
    log.info("course %s version %s published by user %s", course.slug, package.version, author.id)
    return version
