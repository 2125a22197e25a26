"""Course packages on disk: read and validate a package completely before anything is written."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from assessments.catalog import (
    RubricSpec,
    StandardSpec,
    check_texts,
    load_rubrics,
    load_standards,
    read_own_rubrics,
    read_own_standards,
)
from assessments.frameworks import read_references
from courses.rendering import lint_markdown, split_title, word_count
from lms.settings import LANGUAGES
from lms.yamlfile import FileProblem, PackageError, line_of, read_yaml
from studio.content_checks import quality_problems
from studio.questions import QuestionSpec, read_questions

# The bundled course packages stay with the courses domain whose content they are.
CATALOG_DIR = Path(__file__).resolve().parent.parent / "courses" / "catalog"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_FILE_RE = re.compile(r"^(?P<nn>\d{2})-(?P<slug>[a-z0-9-]+)\.(?P<lang>[A-Za-z_-]+)\.md$")
REFERENCE_LANGUAGE = "en"
SOURCE_HASH_LENGTH = 12  # translations.yaml: the start of the English text's SHA-256, in hex
SOURCE_HASH_RE = re.compile(rf"^[0-9a-f]{{{SOURCE_HASH_LENGTH}}}$")
# The allowed range of each whole-number setting of course.yaml: the loader and the studio's course
# details form both check against these.
COURSE_RANGES = {"pass_mark": (1, 100), "validity_months": (1, 120)}
QUIZ_RANGES = {
    "questions_per_standard": (1, 20),
    "standard_threshold": (1, 100),
    "time_limit_minutes": (1, 600),
    "max_attempts": (1, 100),
    "cooldown_hours": (0, 24 * 90),
}
LESSON_MINUTES = (1, 1440)  # a lesson's optional minimum duration (`minutes`)


@dataclass(frozen=True)
class LessonSource:
    """One lesson in one language, as written."""

    language: str
    title: str
    body: str
    words: int


@dataclass(frozen=True)
class LessonSpec:
    """A lesson of a package: its place, standards and texts per language."""

    position: int
    slug: str
    standards: tuple[str, ...]
    sources: dict[str, LessonSource]
    outcomes: tuple[str, ...] = ()  # learning-outcome references: not part of its content hash
    minutes: int | None = None  # minimum duration; not part of the lesson's identity

    @property
    def content_hash(self) -> str:
        """Fingerprint of the reference (English) text: progress survives a translation fix."""
        source = self.sources[REFERENCE_LANGUAGE]
        return hashlib.sha256(f"{source.title}\n{source.body}".encode()).hexdigest()


@dataclass(frozen=True)
class CoursePackage:
    """A validated course package."""

    path: Path
    slug: str
    version: str
    languages: tuple[str, ...]
    title: dict[str, str]
    summary: dict[str, str]
    standards: tuple[str, ...]
    pass_mark: int
    validity_months: int
    quiz: dict[str, int]  # questions_per_standard, standard_threshold, time limit, attempts
    practicals: tuple[str, ...]
    is_open: bool
    lessons: tuple[LessonSpec, ...]
    questions: tuple[QuestionSpec, ...] = field(default_factory=tuple)
    # Languages offered with gaps (English shown where a text is missing, with the notice).
    partial_languages: tuple[str, ...] = ()
    # translations.yaml: language -> item id -> short hash of the English it was made from.
    translation_sources: dict[str, dict[str, str]] = field(default_factory=dict)
    # The centre's own standards (standards.yaml) and practicals (rubrics/<code>.yaml) it carries.
    own_standards: tuple[StandardSpec, ...] = field(default_factory=tuple)
    own_rubrics: tuple[RubricSpec, ...] = field(default_factory=tuple)

    @property
    def manifest(self) -> dict[str, Any]:
        """The course settings as plain data (stored with each loaded version)."""
        return {
            "slug": self.slug,
            "version": self.version,
            "languages": list(self.languages),
            "standards": list(self.standards),
            "pass_mark": self.pass_mark,
            "validity_months": self.validity_months,
            "quiz": self.quiz,
            "practicals": list(self.practicals),
            "lessons": [lesson.slug for lesson in self.lessons],
            # only when set: the fingerprint of every package without it stays as it was
            **(
                {"partial_languages": list(self.partial_languages)}
                if self.partial_languages
                else {}
            ),
        }


# Checked by hand rather than by a JSON Schema or pydantic model: about half of the checks of the
# course, question, standard and rubric files are cross-references (known standards and rubrics,
# each course language translated, lesson and image files, unique ids, correct options per kind)
# that a schema cannot state. A schema would take over only the shape checks, with generic
# messages and a second pass to map its error paths back to file lines.
class _Reader:
    """Collects every problem of one package instead of stopping at the first."""

    def __init__(
        self, path: Path, standards: dict[str, StandardSpec], rubrics: dict[str, RubricSpec]
    ) -> None:
        self.path = path
        self.manifest_path = path / "course.yaml"
        self.standards = standards
        self.rubrics = rubrics
        self.problems: list[FileProblem] = []

    def problem(self, message: str, line: int | None = None, path: Path | None = None) -> None:
        self.problems.append(FileProblem(path or self.manifest_path, line, message))

    def integer(self, data: dict[str, Any], key: str, low: int, high: int) -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(f"'{key}' must be a whole number from {low} to {high}", line_of(data))
            return low
        return value


def read_package(
    path: Path, standards: dict[str, StandardSpec], rubrics: dict[str, RubricSpec]
) -> CoursePackage:
    """Read and validate one package; raise PackageError listing every problem found."""
    reader = _Reader(path, standards, rubrics)
    data = read_yaml(reader.manifest_path)
    if not isinstance(data, dict):
        raise PackageError([FileProblem(reader.manifest_path, 1, "course.yaml must be a mapping")])
    own_standards, own_rubrics = _own_catalog(reader, data)
    package = replace(
        _read_manifest(reader, data), own_standards=own_standards, own_rubrics=own_rubrics
    )
    if not reader.problems:  # the content checks need a package whose shape is right
        reader.problems.extend(quality_problems(package))
    if reader.problems:
        raise PackageError(reader.problems)
    return package


def _own_catalog(
    reader: _Reader, data: dict[str, Any]
) -> tuple[tuple[StandardSpec, ...], tuple[RubricSpec, ...]]:
    """The package's own standards and rubrics (a centre's), checked as the catalog's files are,
    with their texts in the course's languages; the course's checks then know them too."""
    listed = data.get("languages")
    languages = tuple(
        code for code in (listed if isinstance(listed, list) else []) if code in LANGUAGES
    ) or (REFERENCE_LANGUAGE,)
    standards: dict[str, StandardSpec] = {}
    rubrics: dict[str, RubricSpec] = {}
    try:
        if (reader.path / "standards.yaml").is_file():
            standards = read_own_standards(
                reader.path / "standards.yaml", languages, reader.standards
            )
    except PackageError as error:
        reader.problems.extend(error.problems)
    reader.standards = {**reader.standards, **standards}
    try:
        if (reader.path / "rubrics").is_dir():
            rubrics = read_own_rubrics(
                reader.path / "rubrics", languages, reader.standards, reader.rubrics
            )
    except PackageError as error:
        reader.problems.extend(error.problems)
    reader.rubrics = {**reader.rubrics, **rubrics}
    return tuple(standards.values()), tuple(rubrics.values())


def _read_manifest(reader: _Reader, data: dict[str, Any]) -> CoursePackage:
    slug = str(data.get("slug", ""))
    if not SLUG_RE.match(slug):
        reader.problem(
            f"invalid slug {slug!r} (lower-case letters, digits and hyphens)", line_of(data)
        )
    version = str(data.get("version", "")).strip()
    if not version:
        reader.problem("'version' is required", line_of(data))
    languages = _languages(reader, data)
    partial = _partial_languages(reader, data, languages)
    standards = _course_standards(reader, data)
    quiz = data.get("quiz") if isinstance(data.get("quiz"), dict) else {}
    if not quiz:
        reader.problem("'quiz' settings are required", line_of(data))
    quiz_settings = (
        {key: reader.integer(quiz, key, *limits) for key, limits in QUIZ_RANGES.items()}
        if quiz
        else {}
    )
    lessons = _lessons(reader, data, languages, standards)
    questions = _questions(
        reader, languages, standards, quiz_settings.get("questions_per_standard", 1)
    )
    package = CoursePackage(
        path=reader.path,
        slug=slug,
        version=version,
        languages=languages,
        title=check_texts(
            data.get("title"),
            languages,
            "title",
            reader.manifest_path,
            line_of(data),
            reader.problems,
        ),
        summary=check_texts(
            data.get("summary"),
            languages,
            "summary",
            reader.manifest_path,
            line_of(data),
            reader.problems,
        ),
        standards=standards,
        pass_mark=reader.integer(data, "pass_mark", *COURSE_RANGES["pass_mark"]),
        validity_months=reader.integer(data, "validity_months", *COURSE_RANGES["validity_months"]),
        quiz=quiz_settings,
        practicals=_practicals(reader, data, standards),
        is_open=bool(data.get("open_enrolment", True)),
        lessons=lessons,
        questions=questions,
        partial_languages=partial,
        translation_sources=_translation_sources(reader),
    )
    _refuse_unlisted_languages(reader, package)
    return package


def _partial_languages(
    reader: _Reader, data: dict[str, Any], languages: tuple[str, ...]
) -> tuple[str, ...]:
    """Languages the course is offered in with gaps; they may lack any text but English."""
    codes = data.get("partial_languages", [])
    if not isinstance(codes, list):
        reader.problem("'partial_languages' must be a list of language codes", line_of(data))
        return ()
    for code in codes:
        if code not in LANGUAGES or code == REFERENCE_LANGUAGE:
            reader.problem(
                f"'partial_languages': {code!r} is not a language that can be partial",
                line_of(data),
            )
        elif code in languages:
            reader.problem(
                f"'partial_languages': {code!r} is also in 'languages' (complete)", line_of(data)
            )
    return tuple(
        str(code)
        for code in codes
        if code in LANGUAGES and code != REFERENCE_LANGUAGE and code not in languages
    )


def _refuse_unlisted_languages(reader: _Reader, package: CoursePackage) -> None:
    """A text in a language the course neither offers complete nor marks partial."""
    offered = set(package.languages) | set(package.partial_languages)
    found: dict[str, set[str]] = {}
    for where, texts in (("title", package.title), ("summary", package.summary)):
        for code in set(texts) - offered:
            found.setdefault(code, set()).add(where)
    for lesson in package.lessons:
        for code in set(lesson.sources) - offered:
            found.setdefault(code, set()).add(f"lesson {lesson.slug}")
    for question in package.questions:
        for code in set(_languages_of(question.content)) - offered:
            found.setdefault(code, set()).add(f"question {question.id}")
    for code, places in sorted(found.items()):
        reader.problem(
            f"texts in {code!r} ({', '.join(sorted(places)[:3])}{', ...' if len(places) > 3 else ''})"
            f" but {code!r} is in neither 'languages' nor 'partial_languages'",
        )


def _languages_of(content: Any) -> set[str]:
    if isinstance(content, dict):
        if (
            content
            and all(code in LANGUAGES for code in content)
            and all(isinstance(value, str) for value in content.values())
        ):
            return set(content)
        return set().union(*(_languages_of(value) for value in content.values()))
    if isinstance(content, list):
        return set().union(*(_languages_of(value) for value in content))
    return set()


def _translation_sources(reader: _Reader) -> dict[str, dict[str, str]]:
    """translations.yaml (optional): what English text each translation was made from."""
    path = reader.path / "translations.yaml"
    if not path.is_file():
        return {}
    try:
        data = read_yaml(path)
    except PackageError as error:
        reader.problems.extend(error.problems)
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        reader.problem("translations.yaml must map languages to their texts' sources", 1, path)
        return {}
    sources: dict[str, dict[str, str]] = {}
    for code, entries in data.items():
        if code not in LANGUAGES or code == REFERENCE_LANGUAGE:
            reader.problem(f"unknown translation language {code!r}", line_of(data), path)
        elif not isinstance(entries, dict) or not all(
            isinstance(key, str) and isinstance(value, str) and SOURCE_HASH_RE.match(value)
            for key, value in entries.items()
        ):
            reader.problem(
                f"{code}: each text's id must map to a {SOURCE_HASH_LENGTH}-character hash",
                line_of(entries, line_of(data)),
                path,
            )
        else:
            sources[str(code)] = dict(entries)
    return sources


def _languages(reader: _Reader, data: dict[str, Any]) -> tuple[str, ...]:
    languages = data.get("languages")
    if not isinstance(languages, list) or not languages:
        reader.problem(
            "'languages' must list the languages the course is complete in", line_of(data)
        )
        return (REFERENCE_LANGUAGE,)
    for code in languages:
        if code not in LANGUAGES:
            reader.problem(
                f"unknown language {code!r} (known: {', '.join(LANGUAGES)})", line_of(data)
            )
    if REFERENCE_LANGUAGE not in languages:
        reader.problem(
            "English ('en') is the reference language and must be complete", line_of(data)
        )
    return tuple(code for code in languages if code in LANGUAGES)


def _course_standards(reader: _Reader, data: dict[str, Any]) -> tuple[str, ...]:
    codes = data.get("standards")
    if not isinstance(codes, list) or not codes:
        reader.problem("'standards' must list the standard codes the course covers", line_of(data))
        return ()
    for code in codes:
        if code not in reader.standards:
            reader.problem(f"unknown standard code {code!r}", line_of(data))
    return tuple(str(code) for code in codes)


def _practicals(
    reader: _Reader, data: dict[str, Any], standards: tuple[str, ...]
) -> tuple[str, ...]:
    codes = data.get("practicals") or []
    for code in codes:
        rubric = reader.rubrics.get(code)
        if rubric is None:
            reader.problem(f"unknown practical evaluation {code!r}", line_of(data))
        elif rubric.standard not in standards:
            reader.problem(
                f"practical {code} assesses {rubric.standard}, which the course does not cover",
                line_of(data),
            )
    return tuple(str(code) for code in codes)


def _lessons(
    reader: _Reader, data: dict[str, Any], languages: tuple[str, ...], standards: tuple[str, ...]
) -> tuple[LessonSpec, ...]:
    entries = data.get("lessons")
    if not isinstance(entries, list) or not entries:
        reader.problem("'lessons' must list at least one lesson", line_of(data))
        return ()
    files = _lesson_files(reader)
    lessons, seen = [], set()
    for position, entry in enumerate(entries, start=1):
        line = line_of(entry, line_of(data))
        slug = str(entry.get("slug", "")) if isinstance(entry, dict) else ""
        if not SLUG_RE.match(slug):
            reader.problem(f"lesson {position}: invalid slug {slug!r}", line)
            continue
        if slug in seen:
            reader.problem(f"duplicate lesson slug {slug!r}", line)
        seen.add(slug)
        lesson_standards = tuple(entry.get("standards") or ())
        for code in lesson_standards:
            if code not in standards:
                reader.problem(
                    f"lesson {slug!r}: standard {code!r} is not one of the course's standards", line
                )
        minutes = None
        if entry.get("minutes") is not None:
            minutes = reader.integer(entry, "minutes", *LESSON_MINUTES)
        sources = {}
        for language in LANGUAGES:
            path = files.pop((position, slug, language), None)
            if path is None:
                if language in languages:
                    expected = reader.path / "lessons" / f"{position:02d}-{slug}.{language}.md"
                    reader.problem(f"lesson file is missing: {expected.name}", line, expected)
                continue
            source = _lesson_source(reader, path, language)
            if source is not None:
                sources[language] = source
        outcomes = read_references(
            entry.get("outcomes"), f"lesson {slug!r}", reader.manifest_path, line, reader.problems
        )
        lessons.append(
            LessonSpec(
                position, slug, lesson_standards, sources, outcomes=outcomes, minutes=minutes
            )
        )
    for (_, _, _), path in sorted(files.items()):
        reader.problem(
            "lesson file is not listed in course.yaml (check its number and slug)", None, path
        )
    return tuple(lessons)


def _lesson_files(reader: _Reader) -> dict[tuple[int, str, str], Path]:
    files = {}
    for path in sorted((reader.path / "lessons").glob("*")):
        match = LESSON_FILE_RE.match(path.name)
        if not match:
            reader.problem("file name must be <nn>-<slug>.<language>.md", None, path)
        elif match["lang"] not in LANGUAGES:
            reader.problem(f"unknown language {match['lang']!r} in the file name", None, path)
        else:
            files[(int(match["nn"]), match["slug"], match["lang"])] = path
    return files


def _lesson_source(reader: _Reader, path: Path, language: str) -> LessonSource | None:
    try:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n").lstrip("\ufeff")
    except UnicodeDecodeError:
        reader.problem("not UTF-8 text", None, path)
        return None
    for issue in lint_markdown(text):
        reader.problem(issue.message, issue.line, path)
    for image in re.findall(r"!\[[^\]]*\]\((media/[^)\s]+)", text):
        if not (reader.path / image).is_file():
            reader.problem(f"image file {image!r} does not exist in the package", None, path)
    title, body = split_title(text)
    return LessonSource(language, title, body, word_count(body))


def _questions(
    reader: _Reader, languages: tuple[str, ...], standards: tuple[str, ...], per_standard: int
) -> tuple[QuestionSpec, ...]:

    questions = read_questions(
        reader.path / "questions.yaml", languages, standards, reader.problems
    )
    for code in standards:
        count = sum(1 for question in questions if question.standard == code)
        if count < per_standard:
            reader.problem(
                f"standard {code} has {count} questions; the quiz draws {per_standard}",
                None,
                reader.path / "questions.yaml",
            )
    return questions


def read_catalog(
    directory: Path = CATALOG_DIR,
    standards: dict[str, StandardSpec] | None = None,
    rubrics: dict[str, RubricSpec] | None = None,
) -> list[CoursePackage]:
    """Read every package under a directory (or one package directory); refuse all on any problem."""
    standards = standards if standards is not None else load_standards()
    rubrics = rubrics if rubrics is not None else load_rubrics(standards)
    folders = (
        [directory]
        if (directory / "course.yaml").exists()
        else sorted(path for path in directory.iterdir() if path.is_dir())
    )
    packages: list[CoursePackage] = []
    problems: list[FileProblem] = []
    slugs: dict[str, Path] = {}
    for folder in folders:
        try:
            package = read_package(folder, standards, rubrics)
        except PackageError as error:
            problems.extend(error.problems)
            continue
        if package.slug in slugs:
            problems.append(
                FileProblem(
                    folder / "course.yaml",
                    None,
                    f"duplicate slug {package.slug!r} (also in {slugs[package.slug]})",
                )
            )
        slugs[package.slug] = folder
        packages.append(package)
    if problems:
        raise PackageError(problems)
    return packages
