"""Write validated packages and standards into the database: idempotent, and history-keeping."""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from assessments.catalog import (
    RUBRICS_DIR,
    STANDARDS_DIR,
    RubricSpec,
    StandardSpec,
    load_rubrics,
    load_standards,
    rubric_hash,
)
from assessments.models import Question, Rubric, Standard
from courses.models import Course, CourseMedia, CourseVersion, Lesson, LessonText
from courses.rendering import render_markdown
from lms import scope
from lms.db import db, utcnow
from lms.yamlfile import FileProblem, PackageError
from studio.loader import CATALOG_DIR, CoursePackage, LessonSpec, read_catalog

log = logging.getLogger(__name__)


@dataclass
class LoadReport:
    """What a load changed."""

    standards_added: list[str] = field(default_factory=list)
    courses_added: list[str] = field(default_factory=list)
    courses_updated: list[str] = field(default_factory=list)
    courses_unchanged: list[str] = field(default_factory=list)
    lessons_changed: list[str] = field(default_factory=list)


def package_hash(package: CoursePackage) -> str:
    """Fingerprint of everything in a package: manifest, every lesson text, every question."""
    payload = {
        "manifest": package.manifest,
        "title": package.title,
        "summary": package.summary,
        "open": package.is_open,
        "lessons": [
            [
                lesson.slug,
                lesson.standards,
                {code: [s.title, s.body] for code, s in lesson.sources.items()},
            ]
            # a minimum duration counts only where set: the fingerprints of packages without one
            # stay what they were
            + ([lesson.minutes] if lesson.minutes is not None else [])
            for lesson in package.lessons
        ],
        "questions": [
            [question.id, question.standard, question.kind, question.content]
            for question in package.questions
        ],
        "media": _media_hashes(package),
    }
    # Outcome tags change the package (a publication needs a higher version) but not a lesson's or
    # question's identity; counted only when present, so untagged packages keep their hash.
    tags = {
        "lessons": {lesson.slug: lesson.outcomes for lesson in package.lessons if lesson.outcomes},
        "questions": {q.id: q.outcomes for q in package.questions if q.outcomes},
    }
    if tags["lessons"] or tags["questions"]:
        payload["outcomes"] = tags
    if package.own_standards or package.own_rubrics:  # the hash of a package without is unchanged
        payload["own_standards"] = [_standard_fields(spec) for spec in package.own_standards]
        payload["own_rubrics"] = [
            [spec.code, spec.version, _rubric_fields(spec)] for spec in package.own_rubrics
        ]
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _media_hashes(package: CoursePackage) -> dict[str, str]:
    media_dir = package.path / "media"
    if not media_dir.is_dir():
        return {}
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(media_dir.iterdir())
        if path.is_file()
    }


@dataclass(frozen=True)
class _Versioned:
    """One version of a standard or rubric as its file defines it."""

    code: str
    version: int
    content_hash: str
    source: Path
    kind: str  # for messages: "standard" or "rubric"
    fields: dict[str, Any]


_VersionedRow = TypeVar("_VersionedRow", Standard, Rubric)


def _sync_versioned(
    model: type[_VersionedRow], items: list[_Versioned], centre_id: int | None = None
) -> list[str]:
    """Add new codes and new versions (the older version stops being current); refuse an entry whose
    meaning (content hash: the English text) changed while its version stayed the same; take new or
    corrected translations of an unchanged version in place. Returns what was added ("CODE vN").

    `centre_id`: whose catalog this is (None: the shared UN catalog). A code is unique on the
    installation, so one held by another owner is refused (read across the centre boundary on
    purpose; nothing of the other owner is shown or written)."""
    codes = sorted({item.code for item in items})
    with scope.unscoped(db.session):
        rows = db.session.scalars(select(model).where(model.code.in_(codes))).all() if codes else []
    existing = {(row.code, row.version): row for row in rows if row.centre_id == centre_id}
    foreign = {row.code: row.centre_id for row in rows if row.centre_id != centre_id}
    problems, added = [], []
    for item in items:
        if item.code in foreign:
            owner = "the UN catalog" if foreign[item.code] is None else "another centre"
            message = (
                f"{item.kind} code {item.code} is already used by {owner}; choose another code"
            )
            problems.append(FileProblem(item.source, None, message))
            continue
        row = existing.get((item.code, item.version))
        if row is not None:
            if row.content_hash != item.content_hash:
                message = f"{item.kind} {item.code} changed but its version is still {item.version}; raise it"
                problems.append(FileProblem(item.source, None, message))
            else:
                for name, value in item.fields.items():
                    if getattr(row, name) != value:  # translations only: the meaning is the same
                        setattr(row, name, value)
            continue
        for other in existing.values():
            if other.code == item.code:
                other.is_current = False
        db.session.add(
            model(
                code=item.code,
                version=item.version,
                content_hash=item.content_hash,
                centre_id=centre_id,
                **item.fields,
            )
        )
        added.append(f"{item.code} v{item.version}")
    if problems:
        raise PackageError(problems)
    return added


def _standard_fields(spec: StandardSpec) -> dict[str, Any]:
    return {
        "domain": spec.domain,
        "mastery_threshold": spec.mastery_threshold,
        "title": spec.title,
        "description": spec.description,
    }


def _rubric_fields(spec: RubricSpec) -> dict[str, Any]:
    return {
        "standard_code": spec.standard,
        "title": spec.title,
        "instructions": spec.instructions,
        "time_limit_seconds": spec.time_limit_seconds,
        "criteria": [{"id": c.id, "text": c.text, "required": c.required} for c in spec.criteria],
    }


def _standard_items(
    specs: Iterable[StandardSpec], source: Callable[[StandardSpec], Path]
) -> list[_Versioned]:
    return [
        _Versioned(
            spec.code,
            spec.version,
            spec.content_hash,
            source(spec),
            "standard",
            _standard_fields(spec),
        )
        for spec in specs
    ]


def _rubric_items(
    specs: Iterable[RubricSpec], source: Callable[[RubricSpec], Path]
) -> list[_Versioned]:
    items = []
    for spec in specs:
        fields = _rubric_fields(spec)
        digest = rubric_hash(
            spec.standard,
            spec.title,
            spec.instructions,
            spec.time_limit_seconds,
            fields["criteria"],
        )
        items.append(_Versioned(spec.code, spec.version, digest, source(spec), "rubric", fields))
    return items


def sync_standards(specs: dict[str, StandardSpec], report: LoadReport) -> None:
    """Write the standards catalog (new standards and new versions)."""
    items = _standard_items(
        specs.values(), lambda spec: STANDARDS_DIR / f"{spec.domain.lower()}.yaml"
    )
    report.standards_added.extend(_sync_versioned(Standard, items))


def sync_rubrics(specs: dict[str, RubricSpec]) -> None:
    """Write the practical-evaluation rubrics (new rubrics and new versions)."""
    _sync_versioned(
        Rubric, _rubric_items(specs.values(), lambda spec: RUBRICS_DIR / f"{spec.code}.yaml")
    )


def _sync_own_catalog(course: Course, package: CoursePackage, report: LoadReport) -> None:
    """The standards and rubrics a centre's package carries, owned by the course's centre."""
    if not (package.own_standards or package.own_rubrics):
        return
    if course.centre_id is None:
        raise PackageError(
            [
                FileProblem(
                    package.path / "standards.yaml",
                    None,
                    "only a centre's course may carry its own standards and rubrics",
                )
            ]
        )
    standards = _standard_items(package.own_standards, lambda _: package.path / "standards.yaml")
    report.standards_added.extend(_sync_versioned(Standard, standards, course.centre_id))
    rubrics = _rubric_items(
        package.own_rubrics, lambda spec: package.path / "rubrics" / f"{spec.code}.yaml"
    )
    _sync_versioned(Rubric, rubrics, course.centre_id)


def sync_course(package: CoursePackage, report: LoadReport, digest: str | None = None) -> Course:
    """Create or update one course from its package (digest: its package_hash, if known)."""
    digest = digest or package_hash(package)
    course = db.session.scalars(select(Course).where(Course.slug == package.slug)).one_or_none()
    if course is not None and course.package_hash == digest:
        report.courses_unchanged.append(package.slug)
        return course
    if course is not None:
        _refuse_unbumped_version(course, package)
    is_new = course is None
    if course is None:
        course = Course(slug=package.slug)
        db.session.add(course)
    _apply_manifest(course, package, digest)
    db.session.flush()
    _sync_own_catalog(course, package, report)
    db.session.add(
        CourseVersion(
            course_id=course.id,
            version=package.version,
            package_hash=digest,
            manifest=package.manifest,
        )
    )
    _sync_lessons(course, package, report)
    _sync_questions(course, package)
    _sync_media(course, package)
    (report.courses_added if is_new else report.courses_updated).append(
        f"{package.slug} {package.version}"
    )
    log.info("course %s loaded at version %s", package.slug, package.version)
    return course


def _refuse_unbumped_version(course: Course, package: CoursePackage) -> None:
    known = db.session.scalars(
        select(CourseVersion.version).where(CourseVersion.course_id == course.id)
    ).all()
    if package.version in known:
        raise PackageError(
            [
                FileProblem(
                    package.path / "course.yaml",
                    None,
                    f"the content changed but version {package.version!r} was already loaded; raise the version",
                )
            ]
        )


def _apply_manifest(course: Course, package: CoursePackage, digest: str) -> None:
    course.version = package.version
    course.package_hash = digest
    course.languages = list(package.languages)
    course.title = package.title
    course.summary = package.summary
    course.standards = list(package.standards)
    course.pass_mark = package.pass_mark
    course.validity_months = package.validity_months
    course.quiz = package.quiz
    course.practicals = list(package.practicals)
    course.is_open = package.is_open
    course.loaded_at = utcnow()


def _sync_lessons(course: Course, package: CoursePackage, report: LoadReport) -> None:
    lessons = {
        lesson.slug: lesson
        for lesson in db.session.scalars(select(Lesson).where(Lesson.course_id == course.id))
    }
    wanted = {spec.slug for spec in package.lessons}
    for existing in lessons.values():
        existing.is_current = existing.slug in wanted
    pending: list[tuple[Lesson, LessonSpec]] = []
    for spec in package.lessons:
        lesson = lessons.get(spec.slug)
        if lesson is None:
            lesson = Lesson(
                course_id=course.id,
                slug=spec.slug,
                position=spec.position,
                standards=[],
                content_hash="",
            )
            db.session.add(lesson)
        if lesson.content_hash and lesson.content_hash != spec.content_hash:
            report.lessons_changed.append(f"{course.slug}/{spec.slug}")
        lesson.position = spec.position
        lesson.standards = list(spec.standards)
        lesson.minutes = spec.minutes
        lesson.content_hash = spec.content_hash
        lesson.is_current = True
        lesson.updated_at = utcnow()
        pending.append((lesson, spec))
    db.session.flush()  # every lesson's id, then their texts in one query (not one per lesson)
    texts: dict[int, dict[str, LessonText]] = {}
    for text in db.session.scalars(
        select(LessonText).join(Lesson).where(Lesson.course_id == course.id)
    ):
        texts.setdefault(text.lesson_id, {})[text.language] = text
    for lesson, spec in pending:
        _sync_texts(lesson, spec, texts.get(lesson.id, {}))


def _sync_texts(lesson: Lesson, spec: LessonSpec, texts: dict[str, LessonText]) -> None:
    for language, source in spec.sources.items():
        source_hash = hashlib.sha256(f"{source.title}\n{source.body}".encode()).hexdigest()
        text = texts.get(language)
        if text is not None and text.source_hash == source_hash:
            continue
        if text is None:
            text = LessonText(lesson_id=lesson.id, language=language)
            db.session.add(text)
        text.title = source.title
        text.html = render_markdown(source.body)
        text.words = source.words
        text.source_hash = source_hash
        text.updated_at = utcnow()
    for language, text in texts.items():
        if language not in spec.sources:
            db.session.delete(text)


def _sync_questions(course: Course, package: CoursePackage) -> None:
    rows = db.session.scalars(select(Question).where(Question.course_id == course.id)).all()
    by_key = {(row.qid, row.content_hash): row for row in rows}
    wanted = {(spec.id, spec.content_hash) for spec in package.questions}
    for row in rows:
        row.is_current = (row.qid, row.content_hash) in wanted
    for spec in package.questions:
        existing = by_key.get((spec.id, spec.content_hash))
        if existing is not None:
            if existing.content != spec.content:  # translations only: the meaning is the same
                existing.content = spec.content
            continue
        db.session.add(
            Question(
                course_id=course.id,
                qid=spec.id,
                standard_code=spec.standard,
                kind=spec.kind,
                content=spec.content,
                content_hash=spec.content_hash,
            )
        )


def _sync_media(course: Course, package: CoursePackage) -> None:
    media_dir = package.path / "media"
    existing = {
        m.path: m
        for m in db.session.scalars(select(CourseMedia).where(CourseMedia.course_id == course.id))
    }
    if not media_dir.is_dir():
        return
    for path in sorted(media_dir.iterdir()):
        if not path.is_file():
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        row = existing.get(path.name)
        if row is None:
            row = CourseMedia(course_id=course.id, path=path.name)
            db.session.add(row)
        row.data, row.sha256 = data, digest
        row.mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def load_catalog(directory: Path | None = None) -> LoadReport:
    """Validate everything under directory (default: the bundled catalog), then write it."""

    standards = load_standards()
    rubrics = load_rubrics(standards)
    packages = read_catalog(directory or CATALOG_DIR, standards, rubrics)
    report = LoadReport()
    sync_standards(standards, report)
    sync_rubrics(rubrics)
    for package in packages:
        sync_course(package, report)
    db.session.flush()
    return report
