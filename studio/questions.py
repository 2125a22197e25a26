"""The question bank of a course package, validated question by question."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assessments.catalog import check_texts, question_hash
from assessments.frameworks import read_references
from lms.yamlfile import FileProblem, PackageError, line_of, read_yaml

QUESTION_KINDS = ("single", "multiple", "true_false", "scenario")
OPTION_KINDS = frozenset({"single", "multiple", "scenario"})  # the kinds with options
MIN_OPTIONS, MAX_OPTIONS = 3, 5  # options of a choice question (docs/course-format.md)


@dataclass(frozen=True)
class QuestionSpec:
    """A question of the bank, with everything in every language."""

    id: str
    standard: str
    kind: str
    content: dict[str, Any]
    outcomes: tuple[str, ...] = ()  # learning-outcome references: not part of its content hash

    @property
    def content_hash(self) -> str:
        """Fingerprint of the question's meaning (the English texts and the answer key)."""
        return question_hash(self.standard, self.kind, self.content)


def read_questions(
    path: Path, languages: tuple[str, ...], standards: tuple[str, ...], problems: list[FileProblem]
) -> tuple[QuestionSpec, ...]:
    """Validate questions.yaml; add every problem found to `problems`; return the QuestionSpecs."""
    try:
        data = read_yaml(path)
    except PackageError as error:
        problems.extend(error.problems)
        return ()
    items = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        problems.append(FileProblem(path, 1, "expected a list of 'questions'"))
        return ()
    found, seen = [], set()
    for item in items:
        line = line_of(item)
        if not isinstance(item, dict):
            problems.append(FileProblem(path, line, "each question must be a mapping"))
            continue
        qid = str(item.get("id", "")).strip()
        if not qid:
            problems.append(FileProblem(path, line, "a question has no id"))
            continue
        if qid in seen:
            problems.append(FileProblem(path, line, f"duplicate question id {qid!r}"))
        seen.add(qid)
        content = _question_content(path, item, qid, languages, standards, problems)
        outcomes = read_references(item.get("outcomes"), qid, path, line, problems)
        found.append(
            QuestionSpec(qid, str(item.get("standard")), str(item.get("kind")), content, outcomes)
        )
    return tuple(found)


def _question_content(
    path: Path,
    item: dict[str, Any],
    qid: str,
    languages: tuple[str, ...],
    standards: tuple[str, ...],
    problems: list[FileProblem],
) -> dict[str, Any]:
    line = line_of(item)

    def texts(value: Any, what: str) -> dict[str, str]:
        return check_texts(value, languages, f"{qid} {what}", path, line, problems)

    kind, standard = item.get("kind"), item.get("standard")
    if standard not in standards:
        problems.append(
            FileProblem(path, line, f"{qid}: unknown standard code {standard!r} for this course")
        )
    if kind not in QUESTION_KINDS:
        problems.append(FileProblem(path, line, f"{qid}: unknown kind {kind!r}"))
    content: dict[str, Any] = {
        "text": texts(item.get("text"), "text"),
        "explanation": texts(item.get("explanation"), "explanation"),
    }
    if kind == "scenario":
        content["case"] = texts(item.get("case"), "case")
    if kind == "true_false":
        if not isinstance(item.get("answer"), bool):
            problems.append(
                FileProblem(
                    path,
                    line,
                    f"{qid}: a true/false question needs 'answer: true' or 'answer: false'",
                )
            )
        content["answer"] = bool(item.get("answer"))
        return content
    content["options"] = _options(path, item, qid, kind, texts, problems)
    return content


def _options(
    path: Path, item: dict[str, Any], qid: str, kind: Any, texts: Any, problems: list[FileProblem]
) -> list[dict[str, Any]]:
    line = line_of(item)
    options = item.get("options")
    if not isinstance(options, list) or not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        problems.append(
            FileProblem(path, line, f"{qid}: needs between {MIN_OPTIONS} and {MAX_OPTIONS} options")
        )
        return []
    result, ids = [], set()
    for option in options:
        oid = str(option.get("id", "")) if isinstance(option, dict) else ""
        if not oid or oid in ids:
            problems.append(
                FileProblem(
                    path, line_of(option, line), f"{qid}: option ids must be present and unique"
                )
            )
            continue
        ids.add(oid)
        result.append(
            {
                "id": oid,
                "text": texts(option.get("text"), f"option {oid}"),
                "correct": option.get("correct") is True,
            }
        )
    problem = key_problem(kind, [option["correct"] for option in result])
    if problem == "none":
        problems.append(FileProblem(path, line, f"{qid}: no correct option"))
    elif problem == "not_one":
        problems.append(
            FileProblem(path, line, f"{qid}: a {kind} question needs exactly one correct option")
        )
    elif problem == "all_correct":
        problems.append(
            FileProblem(
                path, line, f"{qid}: a multiple-choice question needs at least one wrong option"
            )
        )
    return result


def key_problem(kind: Any, correct: list[bool]) -> str | None:
    """What is wrong with a choice question's answer key (None: nothing): "none" (no correct
    option), "not_one" (single and scenario need exactly one) or "all_correct" (a select-all
    question needs a wrong option). The loader and the studio's editor word it each their way."""
    count = sum(correct)
    if count == 0:
        return "none"
    if kind in {"single", "scenario"} and count != 1:
        return "not_one"
    if kind == "multiple" and count == len(correct):
        return "all_correct"
    return None
