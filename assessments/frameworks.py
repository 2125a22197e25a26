"""Learning-outcome frameworks (CPTM 2017, a centre's own curriculum...) and references to them.

A framework is a YAML file: its id and edition, a title, and lessons (number, title, minimum
duration) each with learning outcomes LO1..LOn. The bundled files are in `courses/frameworks/`; a
centre adds its own in the folder named by the OUTCOME_FRAMEWORKS_FOLDER setting (default
`instance/frameworks/`). Lessons, questions, standards and rubric criteria refer to an outcome as
`<FRAMEWORK>-<EDITION> <lesson> <outcome>`, e.g. `CPTM-2017 3.4 LO2` (docs/course-format.md).
This module is the one place that reads the files and checks a reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app, g, has_app_context

from lms.settings import LANGUAGES
from lms.yamlfile import FileProblem, PackageError, line_of, read_yaml

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "courses" / "frameworks"
FRAMEWORK_ID_RE = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")
EDITION_RE = re.compile(r"^[0-9A-Za-z]{1,12}$")
LESSON_NUMBER_RE = re.compile(r"^[0-9A-Za-z]{1,4}(?:\.[0-9A-Za-z]{1,4}){0,3}$")
OUTCOME_ID_RE = re.compile(r"^LO[1-9][0-9]?$")
REFERENCE_RE = re.compile(
    r"^(?P<framework>[A-Z][A-Z0-9]{1,15}-[0-9A-Za-z]{1,12}) "
    r"(?P<lesson>[0-9A-Za-z]{1,4}(?:\.[0-9A-Za-z]{1,4}){0,3}) (?P<outcome>LO[1-9][0-9]?)$"
)
REFERENCE_HINT = "write it as FRAMEWORK-EDITION LESSON OUTCOME, e.g. 'CPTM-2017 3.4 LO2'"


@dataclass(frozen=True)
class Outcome:
    """One learning outcome of a framework lesson."""

    id: str  # LO1
    text: str  # English


@dataclass(frozen=True)
class FrameworkLesson:
    """A lesson of a framework, with its outcomes in their order."""

    number: str  # "3.4"
    title: dict[str, str]
    minutes: int | None
    outcomes: tuple[Outcome, ...]

    def outcome(self, outcome_id: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.id == outcome_id), None)


@dataclass(frozen=True)
class Framework:
    """A framework edition (e.g. CPTM 2017) as its file defines it."""

    key: str  # "CPTM-2017": what references name
    framework: str
    edition: str
    title: dict[str, str]
    verified: bool  # False: numbering or texts not checked against the published edition
    note: str
    lessons: tuple[FrameworkLesson, ...]
    source: Path

    def lesson(self, number: str) -> FrameworkLesson | None:
        return next((lesson for lesson in self.lessons if lesson.number == number), None)


@dataclass(frozen=True)
class Reference:
    """A parsed outcome reference."""

    framework: str
    lesson: str
    outcome: str

    def __str__(self) -> str:
        return f"{self.framework} {self.lesson} {self.outcome}"


def parse_reference(text: str) -> Reference | None:
    """`CPTM-2017 3.4 LO2` -> Reference; None when the syntax is wrong."""
    match = REFERENCE_RE.match(text)
    if match is None:
        return None
    return Reference(match["framework"], match["lesson"], match["outcome"])


def check_references(
    value: Any,
    where: str,
    frameworks: dict[str, Framework],
    path: Path,
    line: int | None,
    problems: list[FileProblem],
) -> tuple[str, ...]:
    """An `outcomes: [...]` list: each reference well written and naming a known framework, lesson
    and outcome, none twice. Adds a problem for each that is not; returns the valid ones."""
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(FileProblem(path, line, f"{where}: 'outcomes' must be a list"))
        return ()
    found: list[str] = []
    for item in value:
        reference = parse_reference(item) if isinstance(item, str) else None
        if reference is None:
            problems.append(
                FileProblem(
                    path, line, f"{where}: bad outcome reference {item!r}; {REFERENCE_HINT}"
                )
            )
            continue
        message = _unknown(reference, frameworks)
        if message:
            problems.append(FileProblem(path, line, f"{where}: {message}"))
        elif str(reference) in found:
            problems.append(FileProblem(path, line, f"{where}: outcome {reference} listed twice"))
        else:
            found.append(str(reference))
    return tuple(found)


def _unknown(reference: Reference, frameworks: dict[str, Framework]) -> str | None:
    framework = frameworks.get(reference.framework)
    if framework is None:
        known = ", ".join(sorted(frameworks)) or "none"
        return f"unknown framework {reference.framework!r} in {str(reference)!r} (known: {known})"
    lesson = framework.lesson(reference.lesson)
    if lesson is None:
        return f"{reference.framework} has no lesson {reference.lesson!r} ({str(reference)!r})"
    if lesson.outcome(reference.outcome) is None:
        return (
            f"{reference.framework} lesson {reference.lesson} has no outcome "
            f"{reference.outcome!r} (it has {', '.join(o.id for o in lesson.outcomes) or 'none'})"
        )
    return None


def load_frameworks(folder: Path | str | None = None) -> dict[str, Framework]:
    """The bundled frameworks and those of a centre's folder (if it exists), by key. A centre's
    file replaces a bundled one of the same framework and edition (e.g. the full CPTM 2025 list);
    two files of one folder for the same edition are refused. Refuses all, with every problem and
    its file and line, on any problem. Cached until a file changes."""
    folders = [BUNDLED_DIR]
    if folder and Path(folder).is_dir():
        folders.append(Path(folder))
    files = tuple(
        (index, str(path), path.stat().st_mtime_ns, path.stat().st_size)
        for index, directory in enumerate(folders)
        for path in sorted(directory.glob("*.yaml"))
    )
    return _load(files)


@lru_cache(maxsize=8)
def _load(files: tuple[tuple[int, str, int, int], ...]) -> dict[str, Framework]:
    problems: list[FileProblem] = []
    frameworks: dict[str, Framework] = {}
    origin: dict[str, int] = {}
    for index, name, _, _ in files:
        path = Path(name)
        try:
            data = read_yaml(path)
        except PackageError as error:
            problems.extend(error.problems)
            continue
        framework = _framework_in(path, data, problems)
        if framework is None:
            continue
        if origin.get(framework.key) == index:
            other = frameworks[framework.key].source
            problems.append(
                FileProblem(path, 1, f"duplicate framework {framework.key} (also in {other})")
            )
            continue
        frameworks[framework.key], origin[framework.key] = framework, index
    if problems:
        raise PackageError(problems)
    return frameworks


def _titles(
    value: Any, where: str, path: Path, line: int | None, problems: list[FileProblem]
) -> dict[str, str]:
    if not isinstance(value, dict) or not str(value.get("en") or "").strip():
        problems.append(FileProblem(path, line, f"{where}: needs a title with at least 'en'"))
        return {}
    for code in value:
        if code not in LANGUAGES:
            problems.append(FileProblem(path, line, f"{where}: unknown language {code!r}"))
    return {code: str(text).strip() for code, text in value.items() if code in LANGUAGES and text}


def _framework_in(path: Path, data: Any, problems: list[FileProblem]) -> Framework | None:
    if not isinstance(data, dict):
        problems.append(FileProblem(path, 1, "expected a mapping"))
        return None
    name, edition = str(data.get("framework", "")), str(data.get("edition", ""))
    if not FRAMEWORK_ID_RE.match(name) or not EDITION_RE.match(edition):
        problems.append(
            FileProblem(
                path,
                line_of(data, 1),
                f"'framework' ({name!r}: capitals and digits) and 'edition' ({edition!r}: letters "
                "and digits) are required",
            )
        )
        return None
    lessons: list[FrameworkLesson] = []
    entries = data.get("lessons")
    if not isinstance(entries, list) or not entries:
        problems.append(FileProblem(path, line_of(data, 1), "'lessons' must list the lessons"))
        entries = []
    numbers: set[str] = set()
    for entry in entries:
        lesson = _lesson_in(path, entry, numbers, problems)
        if lesson is not None:
            lessons.append(lesson)
    return Framework(
        key=f"{name}-{edition}",
        framework=name,
        edition=edition,
        title=_titles(data.get("title"), "title", path, line_of(data, 1), problems),
        verified=data.get("verified", True) is not False,
        note=str(data.get("note") or "").strip(),
        lessons=tuple(lessons),
        source=path,
    )


def _lesson_in(
    path: Path, entry: Any, numbers: set[str], problems: list[FileProblem]
) -> FrameworkLesson | None:
    line = line_of(entry)
    if not isinstance(entry, dict):
        problems.append(FileProblem(path, line, "each lesson must be a mapping"))
        return None
    number = str(entry.get("number", ""))
    if not LESSON_NUMBER_RE.match(number):
        problems.append(FileProblem(path, line, f"invalid lesson number {number!r} (e.g. 3.4)"))
        return None
    if number in numbers:
        problems.append(FileProblem(path, line, f"duplicate lesson number {number}"))
    numbers.add(number)
    minutes = entry.get("minutes")
    if minutes is not None and (
        isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 6000
    ):
        problems.append(
            FileProblem(path, line, f"lesson {number}: 'minutes' must be a whole number")
        )
        minutes = None
    outcomes: list[Outcome] = []
    for item in entry.get("outcomes") or []:
        item_line = line_of(item, line)
        outcome_id = str(item.get("id", "")) if isinstance(item, dict) else ""
        text = str(item.get("text") or "").strip() if isinstance(item, dict) else ""
        if not OUTCOME_ID_RE.match(outcome_id) or not text:
            problems.append(
                FileProblem(
                    path,
                    item_line,
                    f"lesson {number}: an outcome needs an id (LO1..LO99) and a text",
                )
            )
        elif any(o.id == outcome_id for o in outcomes):
            problems.append(
                FileProblem(path, item_line, f"lesson {number}: duplicate outcome id {outcome_id}")
            )
        else:
            outcomes.append(Outcome(outcome_id, text))
    return FrameworkLesson(
        number=number,
        title=_titles(entry.get("title"), f"lesson {number} title", path, line, problems),
        minutes=minutes,
        outcomes=tuple(outcomes),
    )


def current_frameworks() -> dict[str, Framework]:
    """The frameworks known to this installation: bundled, plus the configured folder's when an
    app is active (outside one, e.g. in a bare script: the bundled ones). Looked up once per app
    context (a request, a command): a package's hundreds of references do not each list the
    folders again."""
    if not has_app_context():
        return load_frameworks()
    found: dict[str, Framework] | PackageError | None = g.get("outcome_frameworks")
    if found is None:
        try:
            found = load_frameworks(current_app.config.get("OUTCOME_FRAMEWORKS_FOLDER"))
        except PackageError as error:
            found = error
        g.outcome_frameworks = found
    if isinstance(found, PackageError):
        raise found
    return found


def read_references(
    value: Any, where: str, path: Path, line: int | None, problems: list[FileProblem]
) -> tuple[str, ...]:
    """An item's `outcomes: [...]` checked against the installation's frameworks (read only when
    the item has references; a broken framework file is reported as the item's problem too)."""
    if value is None:
        return ()
    try:
        frameworks = current_frameworks()
    except PackageError as error:  # reported once, not for every item that has references
        problems.extend(problem for problem in error.problems if problem not in problems)
        return ()
    return check_references(value, where, frameworks, path, line, problems)
