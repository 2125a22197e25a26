"""Checks of a course's content beyond its shape: the pass rule, the bank, terms and scenarios.

`quality_problems` is what the loader (and so the studio) runs on every package; the glossary check
also covers the standards and rubrics catalogs, which belong to no single package.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lms.yamlfile import FileProblem, read_yaml
from studio.bank_checks import check_bank
from studio.pass_rule import check_pass_rule

if TYPE_CHECKING:  # the loader runs these checks: importing it at run time would be a cycle
    from studio.loader import CoursePackage

GLOSSARY_DIR = Path(__file__).resolve().parent.parent / "courses" / "glossary"
# The heading that opens a lesson's worked scenario, per language ("## Scenario: ...").
SCENARIO_HEADINGS = {
    "en": "Scenario",
    "fr": "Scénario",
    "zh": "情景",
    "ar": "سيناريو",
    "es": "Escenario",
    "ru": "Сценарий",
}
ATTEMPTS_WITHOUT_REPEAT = 3


@dataclass(frozen=True)
class Term:
    """A glossary entry: the term to use in a language and the variants that must not appear."""

    concept: str
    use: str
    avoid: tuple[str, ...]
    allow: tuple[str, ...] = ()  # exact phrases that may keep a variant (an official title)


def load_glossaries(directory: Path = GLOSSARY_DIR) -> dict[str, tuple[Term, ...]]:
    """Every language's glossary, keyed by language code."""
    glossaries = {}
    for path in sorted(directory.glob("*.yaml")):
        data = read_yaml(path)
        glossaries[str(data["language"])] = tuple(
            Term(
                str(entry["concept"]),
                str(entry["use"]),
                tuple(map(str, entry.get("avoid", []))),
                tuple(map(str, entry.get("allow", []))),
            )
            for entry in data["terms"]
        )
    return glossaries


def texts_in(data: Any, language: str) -> Iterator[str]:
    """Every text a YAML document holds in one language (values under that language's key)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == language and isinstance(value, str):
                yield value
            else:
                yield from texts_in(value, language)
    elif isinstance(data, list):
        for value in data:
            yield from texts_in(value, language)


def glossary_findings(
    files: Iterable[Path], glossaries: dict[str, tuple[Term, ...]] | None = None
) -> list[FileProblem]:
    """Avoided variants found in YAML files (per language key) and lesson files (per file name)."""
    glossaries = glossaries if glossaries is not None else load_glossaries()
    problems = []
    for path in files:
        if path.suffix == ".md":
            language = path.name.rsplit(".", 2)[-2]
            texts = {language: [path.read_text(encoding="utf-8")]}
        else:
            data = read_yaml(path)
            texts = {language: list(texts_in(data, language)) for language in glossaries}
        for language, found in texts.items():
            for term in glossaries.get(language, ()):
                kept = [_without(text, term.allow) for text in found]
                for variant in term.avoid:
                    if any(_pattern(variant).search(text) for text in kept):
                        problems.append(
                            FileProblem(
                                path,
                                None,
                                f"[{language}] {variant!r} for {term.concept}: use {term.use!r}",
                            )
                        )
    return problems


def _pattern(variant: str) -> re.Pattern[str]:
    """A variant as a case-blind pattern. A Latin variant starts a word ("IED" is not in "à pied";
    "abus sexuel" still finds "abus sexuels"); a Chinese or Arabic one may sit inside a longer word
    (attached particles and articles)."""
    start = r"(?<![A-Za-zÀ-ÿ])" if re.match(r"[A-Za-zÀ-ÿ]", variant) else ""
    return re.compile(start + re.escape(variant), re.IGNORECASE)


def _without(text: str, phrases: tuple[str, ...]) -> str:
    for phrase in phrases:
        text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
    return text


def lessons_without_scenario(package: CoursePackage) -> list[str]:
    """'slug (language)' for each lesson text with no worked scenario heading."""
    missing = []
    for lesson in package.lessons:
        for language, source in lesson.sources.items():
            word = SCENARIO_HEADINGS.get(language)
            if word and not re.search(rf"^##+ {re.escape(word)}", source.body, re.MULTILINE):
                missing.append(f"{lesson.slug} ({language})")
    return missing


def pool_needed(quiz: dict[str, int]) -> int:
    """Questions a standard's pool needs so that the first attempts never repeat a question."""
    return quiz["questions_per_standard"] * min(ATTEMPTS_WITHOUT_REPEAT, quiz["max_attempts"])


def quality_problems(package: CoursePackage) -> list[FileProblem]:
    """The pass rule, pool sizes and bank checks of one package."""
    manifest, bank = package.path / "course.yaml", package.path / "questions.yaml"
    problems: list[FileProblem] = []
    quiz = package.quiz
    report = check_pass_rule(
        len(package.standards),
        quiz["questions_per_standard"],
        quiz["standard_threshold"],
        package.pass_mark,
    )
    problems.extend(FileProblem(manifest, None, f"pass rule: {text}") for text in report.problems)
    needed = pool_needed(quiz)
    for code in package.standards:
        count = sum(1 for question in package.questions if question.standard == code)
        if count < needed:
            problems.append(
                FileProblem(
                    bank,
                    None,
                    f"standard {code} has {count} questions; {needed} are needed so that"
                    f" {min(ATTEMPTS_WITHOUT_REPEAT, quiz['max_attempts'])} attempts never repeat"
                    " a question",
                )
            )
    problems.extend(
        FileProblem(bank, None, str(finding))
        for finding in check_bank(package.questions, package.languages)
    )
    return problems
