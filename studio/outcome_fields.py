"""The learning-outcome references of an item in the studio's editors (a question, a lesson): the
choices shown as ticks grouped by framework lesson, and what a form sent, checked in the author's
language. The rule of what a reference is stays in assessments.frameworks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from flask_babel import gettext as _

from assessments.frameworks import current_frameworks, parse_reference
from lms.yamlfile import PackageError

FIELD = "outcomes"


@dataclass(frozen=True)
class Choice:
    reference: str  # "CPTM-2017 3.4 LO2"
    label: str  # the outcome's text (English)
    checked: bool


@dataclass(frozen=True)
class Group:
    """A framework lesson and its outcomes, as ticks."""

    title: str  # "CPTM-2017 3.4 Sexual exploitation and abuse"
    choices: tuple[Choice, ...]
    open: bool  # shown unfolded: one of its outcomes is ticked


_Loader: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def used_in(files: Mapping[str, bytes]) -> set[str]:
    """The references the draft's lessons and questions already carry: their framework lessons
    are shown unfolded, so that tagging the next item starts where the course is."""
    found: set[str] = set()
    for name, key in (("course.yaml", "lessons"), ("questions.yaml", "questions")):
        try:
            data = yaml.load(files[name].decode("utf-8"), Loader=_Loader)  # noqa: S506 - safe
        except (KeyError, UnicodeDecodeError, yaml.YAMLError):
            continue
        entries = data.get(key) if isinstance(data, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            references = entry.get("outcomes") if isinstance(entry, dict) else None
            if isinstance(references, list):
                found.update(str(reference) for reference in references)
    return found


def choices(
    selected: Iterable[str], language: str, used: Iterable[str] = ()
) -> tuple[list[Group], list[str]]:
    """The installation's framework outcomes as groups of ticks (those in `selected` ticked; a
    group unfolded when one of its outcomes is ticked or `used` elsewhere in the course), and the
    selected references that no framework knows (shown ticked so the author can untick them)."""
    chosen = list(dict.fromkeys(selected))
    elsewhere = set(used)
    try:
        frameworks = current_frameworks()
    except PackageError:  # a broken framework file of the centre: the publisher reports it
        return [], chosen
    groups: list[Group] = []
    known: set[str] = set()
    for key in sorted(frameworks):
        framework = frameworks[key]
        for lesson in framework.lessons:
            if not lesson.outcomes:
                continue
            title = lesson.title.get(language) or lesson.title.get("en", "")
            items = []
            for outcome in lesson.outcomes:
                reference = f"{key} {lesson.number} {outcome.id}"
                known.add(reference)
                items.append(Choice(reference, outcome.text, reference in chosen))
            groups.append(
                Group(
                    f"{key} {lesson.number} {title}",
                    tuple(items),
                    any(item.checked or item.reference in elsewhere for item in items),
                )
            )
    return groups, [reference for reference in chosen if reference not in known]


def read(getlist: Callable[[str], list[str]]) -> tuple[list[str], list[str]]:
    """The references a form sent (ticks named `outcomes`), in the frameworks' order, and the
    problems with them, translated (nothing is saved when there is one)."""
    sent = [value.strip() for value in getlist(FIELD) if value.strip()]
    problems: list[str] = []
    try:
        frameworks = current_frameworks()
    except PackageError:
        frameworks = {}
    kept: list[str] = []
    for value in dict.fromkeys(sent):
        reference = parse_reference(value)
        if reference is None:
            problems.append(
                _(
                    "“%(reference)s” is not an outcome reference (write it as in CPTM-2017 3.4 LO2).",
                    reference=value,
                )
            )
            continue
        framework = frameworks.get(reference.framework)
        lesson = framework.lesson(reference.lesson) if framework else None
        if lesson is None or lesson.outcome(reference.outcome) is None:
            problems.append(
                _(
                    "No learning outcome %(reference)s is known to this installation.",
                    reference=str(reference),
                )
            )
            continue
        kept.append(str(reference))
    return kept, problems
