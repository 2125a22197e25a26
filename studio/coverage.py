"""Learning-outcome coverage of a course package: for each framework outcome the course refers to
(and the other outcomes of the framework lessons it touches), whether a lesson teaches it and
whether a question or a practical's rubric criterion assesses it.

Read straight from the package's files (a draft or a published version), leniently: a draft that
does not validate yet still gets its page, with references the frameworks do not know listed
apart. Standards and rubrics come from their catalog files; references are read and checked by
`assessments.frameworks` only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from assessments.catalog import RubricSpec, StandardSpec, load_rubrics, load_standards
from assessments.frameworks import Framework, FrameworkLesson, Outcome, Reference, parse_reference
from lms.yamlfile import PackageError

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LESSON_FILE_RE = re.compile(
    r"^lessons/(?P<nn>\d{2})-(?P<slug>[a-z0-9-]+)\.(?P<lang>[A-Za-z_-]+)\.md$"
)
STATUSES = ("both", "taught", "assessed", "neither")


@dataclass(frozen=True)
class CourseLesson:
    """A lesson of the package and the outcomes it refers to."""

    position: int
    slug: str
    title: str
    outcomes: tuple[str, ...]

    @property
    def anchor(self) -> str:
        return f"lesson-{self.slug}"


@dataclass(frozen=True)
class CourseQuestion:
    """A question of the bank and the outcomes it refers to."""

    id: str
    standard: str
    text: str
    outcomes: tuple[str, ...]

    @property
    def anchor(self) -> str:
        return f"question-{self.id}"


@dataclass(frozen=True)
class Criterion:
    """A criterion of one of the course's practicals, with its outcomes."""

    rubric: str
    id: str
    text: str
    outcomes: tuple[str, ...]


@dataclass
class OutcomeRow:
    """One framework outcome and what in the course serves it."""

    reference: str
    outcome: Outcome
    lessons: list[CourseLesson] = field(default_factory=list)
    questions: list[CourseQuestion] = field(default_factory=list)
    criteria: list[Criterion] = field(default_factory=list)
    standards: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        taught, assessed = bool(self.lessons), bool(self.questions or self.criteria)
        if taught and assessed:
            return "both"
        return "taught" if taught else "assessed" if assessed else "neither"


@dataclass
class LessonGroup:
    """A framework lesson the course touches, with all its outcomes."""

    framework: Framework
    lesson: FrameworkLesson
    rows: list[OutcomeRow]


@dataclass
class Coverage:
    """The coverage of one package."""

    groups: list[LessonGroup]
    lessons: list[CourseLesson]
    questions: list[CourseQuestion]
    criteria: list[Criterion]
    unknown: list[tuple[str, str]]  # (where, reference) not in any framework, or badly written

    @property
    def rows(self) -> list[OutcomeRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts


def _yaml(files: Mapping[str, bytes], name: str) -> Any:
    try:
        return yaml.load(files[name].decode("utf-8"), Loader=_Loader)  # noqa: S506 - safe loader
    except (KeyError, UnicodeDecodeError, yaml.YAMLError):
        return None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


def _text(value: Any, language: str) -> str:
    if isinstance(value, dict):
        return str(value.get(language) or value.get("en") or "")
    return ""


def _lesson_titles(files: Mapping[str, bytes], language: str) -> dict[tuple[int, str], str]:
    """(position, slug) -> title, in the page's language where the package has it, else English."""
    titles: dict[tuple[int, str], str] = {}
    for name in sorted(files):
        match = LESSON_FILE_RE.match(name)
        if match is None or match["lang"] not in {language, "en"}:
            continue
        key = (int(match["nn"]), match["slug"])
        if match["lang"] == "en" and key in titles:
            continue
        first = files[name].decode("utf-8", "replace").lstrip("\ufeff").split("\n", 1)[0]
        titles[key] = first.lstrip("#").strip()
    return titles


def _catalog() -> tuple[dict[str, StandardSpec], dict[str, RubricSpec]]:
    try:
        standards = load_standards()
        return standards, load_rubrics(standards)
    except PackageError:  # the catalog's own problems are the loader's to report
        return {}, {}


def read_coverage(
    files: Mapping[str, bytes], frameworks: dict[str, Framework], language: str = "en"
) -> Coverage:
    """The coverage of a package's files against the installation's frameworks."""
    manifest = _yaml(files, "course.yaml")
    manifest = manifest if isinstance(manifest, dict) else {}
    titles = _lesson_titles(files, language)
    lessons = [
        CourseLesson(
            position,
            str(entry.get("slug", "")),
            titles.get((position, str(entry.get("slug", ""))), str(entry.get("slug", ""))),
            _strings(entry.get("outcomes")),
        )
        for position, entry in enumerate(manifest.get("lessons") or [], start=1)
        if isinstance(entry, dict)
    ]
    bank = _yaml(files, "questions.yaml")
    items = bank.get("questions") if isinstance(bank, dict) else None
    questions = [
        CourseQuestion(
            str(item.get("id", "")),
            str(item.get("standard", "")),
            _text(item.get("text"), language),
            _strings(item.get("outcomes")),
        )
        for item in items or []
        if isinstance(item, dict)
    ]
    standards, rubrics = _catalog()
    course_standards = [code for code in _strings(manifest.get("standards")) if code in standards]
    criteria = [
        Criterion(code, criterion.id, _text(criterion.text, language), criterion.outcomes)
        for code in _strings(manifest.get("practicals"))
        if code in rubrics
        for criterion in rubrics[code].criteria
    ]
    rows: dict[str, OutcomeRow] = {}
    unknown: list[tuple[str, str]] = []

    def row_for(where: str, text: str) -> OutcomeRow | None:
        reference = parse_reference(text)
        found = _find(reference, frameworks) if reference else None
        if found is None:
            unknown.append((where, text))
            return None
        if text not in rows:
            rows[text] = OutcomeRow(text, found)
        return rows[text]

    for lesson in lessons:
        for text in lesson.outcomes:
            if (row := row_for(lesson.slug, text)) is not None:
                row.lessons.append(lesson)
    for question in questions:
        for text in question.outcomes:
            if (row := row_for(question.id, text)) is not None:
                row.questions.append(question)
    for criterion in criteria:
        for text in criterion.outcomes:
            if (row := row_for(f"{criterion.rubric} {criterion.id}", text)) is not None:
                row.criteria.append(criterion)
    for code in course_standards:
        for text in standards[code].outcomes:
            if (row := row_for(code, text)) is not None:
                row.standards.append(code)
    return Coverage(_groups(rows, frameworks), lessons, questions, criteria, unknown)


def _find(reference: Reference, frameworks: dict[str, Framework]) -> Outcome | None:
    framework = frameworks.get(reference.framework)
    lesson = framework.lesson(reference.lesson) if framework else None
    return lesson.outcome(reference.outcome) if lesson else None


def _groups(rows: dict[str, OutcomeRow], frameworks: dict[str, Framework]) -> list[LessonGroup]:
    """Every framework lesson with a referenced outcome, with all its outcomes in their order."""
    touched = {(ref.framework, ref.lesson) for text in rows if (ref := parse_reference(text))}
    groups = []
    for key in sorted(frameworks):
        framework = frameworks[key]
        for lesson in framework.lessons:
            if (key, lesson.number) not in touched:
                continue
            group_rows = []
            for outcome in lesson.outcomes:
                text = f"{key} {lesson.number} {outcome.id}"
                group_rows.append(rows.get(text) or OutcomeRow(text, outcome))
            groups.append(LessonGroup(framework, lesson, group_rows))
    return groups
