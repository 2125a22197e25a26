"""A draft's question bank for the studio's editor: the overview an author checks, one question read
from and written back to `questions.yaml`, and the editor's checks in the author's language.

The rules are the loader's (studio.questions: kinds, option counts, the answer key; studio.
content_checks: the pool a standard needs; studio.bank_checks: the item-writing checks): the editor
words them for the form, then runs the loader's own reader on the bank it would save.

`questions.yaml` stays the author's file: a saved question replaces only its own lines (appended
after the last question when new, its lines removed when deleted), so the other questions, their
comments and their order are kept byte for byte.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _
from sqlalchemy import select

from assessments.models import Standard
from lms.db import db
from lms.settings import LANGUAGES
from lms.yamlfile import FileProblem
from studio import outcome_fields
from studio.bank_checks import Finding, check_bank
from studio.content_checks import pool_needed
from studio.loader import REFERENCE_LANGUAGE
from studio.questions import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    OPTION_KINDS,
    QuestionSpec,
    key_problem,
    read_questions,
)

BANK = "questions.yaml"
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_MAX = 64
TEXT_MAX = 4000
OPTION_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it
# The loader's message for a text missing in one language (assessments.catalog.check_texts): the
# bank page counts these per language instead of listing each.
MISSING_TRANSLATION = re.compile(r": missing '[a-z]{2}' translation$")


@dataclass(frozen=True)
class CourseSettings:
    """What the bank depends on in a draft's course.yaml."""

    languages: tuple[str, ...]
    standards: tuple[str, ...]
    quiz: dict[str, int]


def course_settings(files: Mapping[str, bytes]) -> CourseSettings:
    """The languages, standards and quiz settings of a draft (empty when course.yaml is broken)."""
    try:
        data = yaml.safe_load(files["course.yaml"].decode("utf-8"))
    except (KeyError, UnicodeDecodeError, yaml.YAMLError):
        data = None
    data = data if isinstance(data, dict) else {}
    languages = [code for code in data.get("languages") or [] if code in LANGUAGES]
    if REFERENCE_LANGUAGE not in languages:
        languages.insert(0, REFERENCE_LANGUAGE)
    quiz: dict[str, Any] = data["quiz"] if isinstance(data.get("quiz"), dict) else {}
    return CourseSettings(
        languages=tuple(sorted(languages, key=LANGUAGES.index)),
        standards=tuple(str(code) for code in data.get("standards") or []),
        quiz={
            key: value
            for key, value in quiz.items()
            if isinstance(value, int) and not isinstance(value, bool)
        },
    )


def raw_questions(files: Mapping[str, bytes]) -> list[dict[str, Any]]:
    """The questions of the bank as written (mappings; anything else is left out)."""
    try:
        data = yaml.load(files.get(BANK, b"").decode("utf-8"), Loader=_Loader)  # noqa: S506
    except (UnicodeDecodeError, yaml.YAMLError):
        return []
    items = data.get("questions") if isinstance(data, dict) else None
    return [item for item in items or [] if isinstance(item, dict)]


def read_bank(
    text: bytes, languages: tuple[str, ...], standards: tuple[str, ...]
) -> tuple[tuple[QuestionSpec, ...], list[FileProblem]]:
    """The loader's reading of a bank: its questions and problems (lines, English messages)."""
    problems: list[FileProblem] = []
    with tempfile.TemporaryDirectory(prefix="studio-bank-") as folder:
        path = Path(folder) / BANK
        path.write_bytes(text)
        questions = read_questions(path, languages, standards, problems)
    return questions, problems


# ------------------------------------------------------------------------------- the overview


def _texts_of(item: Mapping[str, Any]) -> list[Any]:
    texts = [item.get("text"), item.get("explanation")]
    if item.get("kind") == "scenario":
        texts.append(item.get("case"))
    for option in item.get("options") or []:
        if isinstance(option, dict):
            texts.append(option.get("text"))
    return texts


def missing_languages(item: Mapping[str, Any], languages: tuple[str, ...]) -> list[str]:
    """The languages in which some text of a question is missing."""
    return [
        code
        for code in languages
        if any(
            not isinstance(texts, dict) or not str(texts.get(code) or "").strip()
            for texts in _texts_of(item)
        )
    ]


@dataclass(frozen=True)
class QuestionRow:
    """A question as the bank page lists it."""

    id: str
    kind: str
    stem: str
    missing: list[str]


@dataclass
class Pool:
    """A standard's questions against what the quiz needs."""

    code: str
    title: str
    needed: int
    questions: list[QuestionRow] = field(default_factory=list)

    @property
    def short(self) -> int:
        return max(0, self.needed - len(self.questions))


@dataclass(frozen=True)
class Completeness:
    """How many questions are complete in a language."""

    language: str
    complete: int
    total: int
    required: bool


@dataclass(frozen=True)
class BankOverview:
    """What the bank page shows."""

    settings: CourseSettings
    pools: list[Pool]
    elsewhere: list[QuestionRow]  # questions of a standard the course does not cover
    completeness: list[Completeness]
    problems: list[FileProblem]  # the loader's, but missing translations (see completeness)
    findings: list[Finding]
    untranslated: bool  # some text lacks a language of the course

    @property
    def total(self) -> int:
        return sum(len(pool.questions) for pool in self.pools) + len(self.elsewhere)


def standard_titles(codes: tuple[str, ...], language: str) -> dict[str, str]:
    """The current title of each standard in a language (English when not translated)."""
    titles = {}
    for standard in db.session.scalars(
        select(Standard).where(Standard.code.in_(codes), Standard.is_current.is_(True))
    ):
        titles[standard.code] = standard.title.get(language) or standard.title.get("en", "")
    return titles


def overview(files: Mapping[str, bytes], language: str) -> BankOverview:
    """The bank of a draft: pools per standard, completeness per language, the loader's problems
    and the item-writing checks' findings."""
    settings = course_settings(files)
    items = raw_questions(files)
    questions, problems = read_bank(files.get(BANK, b""), settings.languages, settings.standards)
    needed = pool_needed(settings.quiz) if _quiz_complete(settings.quiz) else 0
    titles = standard_titles(settings.standards, language)
    pools = {code: Pool(code, titles.get(code, ""), needed) for code in settings.standards}
    elsewhere: list[QuestionRow] = []
    present = {
        code
        for item in items
        for texts in _texts_of(item)
        if isinstance(texts, dict)
        for code in texts
        if code in LANGUAGES
    }
    shown = tuple(sorted(set(settings.languages) | present, key=LANGUAGES.index))
    for item in items:
        text = item.get("text")
        row = QuestionRow(
            id=str(item.get("id", "")),
            kind=str(item.get("kind", "")),
            stem=str(text.get(REFERENCE_LANGUAGE, "")) if isinstance(text, dict) else "",
            missing=missing_languages(item, settings.languages),
        )
        pool = pools.get(str(item.get("standard")))
        (pool.questions if pool else elsewhere).append(row)
    completeness = [
        Completeness(
            code,
            sum(1 for item in items if not missing_languages(item, (code,))),
            len(items),
            code in settings.languages,
        )
        for code in shown
    ]
    untranslated = [problem for problem in problems if MISSING_TRANSLATION.search(problem.message)]
    return BankOverview(
        settings,
        list(pools.values()),
        elsewhere,
        completeness,
        [problem for problem in problems if problem not in untranslated],
        check_bank(questions, settings.languages) if questions else [],
        bool(untranslated),
    )


def _quiz_complete(quiz: dict[str, int]) -> bool:
    return "questions_per_standard" in quiz and "max_attempts" in quiz


def suggest_id(ids: list[str]) -> str:
    """A new question id in the bank's own numbering (sea-q07 after sea-q06), never one in use."""
    numbered = [match for qid in ids if (match := re.fullmatch(r"(.*?)(\d+)", qid))]
    prefixes = [match[1] for match in numbered]
    prefix = max(set(prefixes), key=prefixes.count) if prefixes else "q"
    width = max((len(match[2]) for match in numbered if match[1] == prefix), default=1)
    number = max((int(match[2]) for match in numbered if match[1] == prefix), default=0) + 1
    taken = set(ids)
    while f"{prefix}{number:0{width}d}" in taken:
        number += 1
    return f"{prefix}{number:0{width}d}"


# --------------------------------------------------------------------- one question, edited


@dataclass
class OptionInput:
    """An option row of the editor."""

    id: str
    text: dict[str, str]
    correct: bool = False

    @property
    def empty(self) -> bool:
        return not any(value.strip() for value in self.text.values())


@dataclass
class QuestionInput:
    """A question as the editor shows and receives it."""

    id: str
    standard: str
    kind: str
    text: dict[str, str] = field(default_factory=dict)
    case: dict[str, str] = field(default_factory=dict)
    explanation: dict[str, str] = field(default_factory=dict)
    options: list[OptionInput] = field(default_factory=list)
    answer: bool | None = None
    outcomes: list[str] = field(default_factory=list)  # "CPTM-2017 3.4 LO2"


def _language_texts(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(code): str(text) for code, text in value.items() if isinstance(text, str)}


def from_item(item: Mapping[str, Any]) -> QuestionInput:
    """A question of the bank, for the editor."""
    answer = item.get("answer")
    return QuestionInput(
        id=str(item.get("id", "")),
        standard=str(item.get("standard", "")),
        kind=str(item.get("kind", "")),
        text=_language_texts(item.get("text")),
        case=_language_texts(item.get("case")),
        explanation=_language_texts(item.get("explanation")),
        options=[
            OptionInput(
                str(option.get("id", "")),
                _language_texts(option.get("text")),
                option.get("correct") is True,
            )
            for option in item.get("options") or []
            if isinstance(option, dict)
        ],
        answer=answer if isinstance(answer, bool) else None,
        outcomes=[str(ref) for ref in item.get("outcomes") or [] if isinstance(ref, str)],
    )


def option_rows(question: QuestionInput) -> list[OptionInput]:
    """The option rows of the form: the question's options, then empty rows up to the most."""
    rows = list(question.options)
    while len(rows) < MAX_OPTIONS:
        rows.append(OptionInput("", {}))
    return rows


def from_form(
    form: Mapping[str, str], getlist: Any, kind: str, languages: tuple[str, ...]
) -> QuestionInput:
    """What the editor's form sent (`form` is request.form, `getlist` its getlist)."""

    def texts(name: str) -> dict[str, str]:
        return {code: form.get(f"{name}-{code}", "").strip() for code in languages}

    correct = set(getlist("correct"))
    options = [
        OptionInput(form.get(f"option-{n}-id", "").strip(), texts(f"option-{n}"), str(n) in correct)
        for n in range(MAX_OPTIONS)
    ]
    answer = {"true": True, "false": False}.get(form.get("answer", ""))
    return QuestionInput(
        id=form.get("id", "").strip(),
        standard=form.get("standard", "").strip(),
        kind=kind,
        text=texts("text"),
        case=texts("case") if kind == "scenario" else {},
        explanation=texts("explanation"),
        options=options if kind in OPTION_KINDS else [],
        answer=answer if kind == "true_false" else None,
        outcomes=[value.strip() for value in getlist(outcome_fields.FIELD) if value.strip()],
    )


Errors = dict[str, list[str]]


def check(
    question: QuestionInput,
    settings: CourseSettings,
    other_ids: set[str],
    is_new: bool,
) -> Errors:
    """The editor's checks (the loader's rules, in the author's language), by form field."""
    errors: Errors = {}

    def refuse(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if is_new:
        if not question.id:
            refuse("id", _("Give the question an id."))
        elif not ID_RE.match(question.id) or len(question.id) > ID_MAX:
            refuse("id", _("An id uses lower-case letters, digits and hyphens (at most 64)."))
        elif question.id in other_ids:
            refuse("id", _("Another question already has the id %(id)s.", id=question.id))
    if question.standard not in settings.standards:
        refuse("standard", _("Choose one of the course's standards."))
    for outcome_problem in outcome_fields.read(lambda _name: question.outcomes)[1]:
        refuse(outcome_fields.FIELD, outcome_problem)
    fields = [("text", question.text), ("explanation", question.explanation)]
    if question.kind == "scenario":
        fields.insert(0, ("case", question.case))
    for name, texts in fields:
        if not texts.get(REFERENCE_LANGUAGE):
            refuse(f"{name}-{REFERENCE_LANGUAGE}", _("The English text is required."))
    for name, texts in [
        *fields,
        *((f"option-{n}", o.text) for n, o in enumerate(question.options)),
    ]:
        for code, text in texts.items():
            if len(text) > TEXT_MAX:
                refuse(f"{name}-{code}", _("At most %(max)d characters.", max=TEXT_MAX))
    if question.kind == "true_false":
        if question.answer is None:
            refuse("answer", _("Say whether the statement is true or false."))
        return errors
    kept = [option for option in question.options if not option.empty]
    for n, option in enumerate(question.options):
        if not option.empty and not option.text.get(REFERENCE_LANGUAGE):
            refuse(f"option-{n}-{REFERENCE_LANGUAGE}", _("The English text is required."))
    if not MIN_OPTIONS <= len(kept) <= MAX_OPTIONS:
        refuse(
            "options",
            _(
                "Give between %(low)d and %(high)d options (empty rows are left out).",
                low=MIN_OPTIONS,
                high=MAX_OPTIONS,
            ),
        )
    problem = key_problem(question.kind, [option.correct for option in kept])
    if problem == "none":
        refuse("correct", _("Mark the correct option."))
    elif problem == "not_one":
        refuse("correct", _("Mark exactly one correct option."))
    elif problem == "all_correct":
        refuse("correct", _("At least one option of a select-all question must be wrong."))
    return errors


def to_item(question: QuestionInput, old: Mapping[str, Any] | None) -> dict[str, Any]:
    """The question as the bank's mapping. Texts in languages the form did not show (a
    translation the course does not list yet) are kept from the question as it was."""
    old_item = from_item(old) if old is not None else None

    def merged(new: dict[str, str], previous: dict[str, str]) -> dict[str, str]:
        texts = {**previous, **{code: text for code, text in new.items() if text}}
        for code, text in new.items():
            if not text:
                texts.pop(code, None)
        return {code: texts[code] for code in sorted(texts, key=_language_order)}

    item: dict[str, Any] = {"id": question.id, "standard": question.standard}
    if question.outcomes:  # learning-outcome references: not part of the question's meaning
        item["outcomes"] = list(dict.fromkeys(question.outcomes))
    item["kind"] = question.kind
    if question.kind == "scenario":
        item["case"] = merged(question.case, old_item.case if old_item else {})
    item["text"] = merged(question.text, old_item.text if old_item else {})
    if question.kind == "true_false":
        item["answer"] = question.answer
    else:
        previous = {option.id: option.text for option in old_item.options} if old_item else {}
        used = {option.id for option in question.options if option.id and not option.empty}
        free = (letter for letter in OPTION_LETTERS if letter not in used)
        seen: set[str] = set()
        options = []
        for option in question.options:
            if option.empty:
                continue
            oid = option.id if option.id and option.id not in seen else next(free)
            seen.add(oid)
            entry: dict[str, Any] = {"id": oid, "text": merged(option.text, previous.get(oid, {}))}
            if option.correct:
                entry["correct"] = True
            options.append(entry)
        item["options"] = options
    item["explanation"] = merged(question.explanation, old_item.explanation if old_item else {})
    return item


def _language_order(code: str) -> int:
    return LANGUAGES.index(code) if code in LANGUAGES else len(LANGUAGES)


# ------------------------------------------------------------------- questions.yaml, in place


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", text) and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def render_item(item: Mapping[str, Any], indent: int) -> str:
    """One question as block YAML, in the style of the bundled banks, its dash at `indent`."""
    pad = " " * indent
    lines: list[str] = []

    def mapping(data: Mapping[str, Any], prefix: str, rest: str) -> None:
        first = True
        for key, value in data.items():
            lead = prefix if first else rest
            first = False
            if isinstance(value, dict):
                lines.append(f"{lead}{key}:")
                for code, text in value.items():
                    lines.append(f"{rest}  {code}: {json.dumps(text, ensure_ascii=False)}")
            elif isinstance(value, list) and all(isinstance(entry, str) for entry in value):
                lines.append(f"{lead}{key}: {json.dumps(value, ensure_ascii=False)}")  # flow list
            elif isinstance(value, list):
                lines.append(f"{lead}{key}:")
                for entry in value:
                    mapping(entry, f"{rest}  - ", f"{rest}    ")
            else:
                lines.append(f"{lead}{key}: {_scalar(value)}")

    mapping(item, f"{pad}- ", f"{pad}  ")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class _Span:
    qid: str
    start: int  # first line (0-based)
    end: int  # line after the last
    indent: int


def _spans(text: str) -> list[_Span] | None:
    """Where each question of a block-style bank starts and ends (None: not block style)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    if not isinstance(root, yaml.MappingNode):
        return None
    node = next(
        (value for key, value in root.value if getattr(key, "value", None) == "questions"), None
    )
    if not isinstance(node, yaml.SequenceNode) or node.flow_style or not node.value:
        return None
    lines = text.split("\n")
    seq_end = node.end_mark.line + (1 if node.end_mark.column else 0)
    starts = [item.start_mark.line for item in node.value]
    spans = []
    for n, item in enumerate(node.value):
        end = starts[n + 1] if n + 1 < len(starts) else min(seq_end, len(lines))
        while end > starts[n] + 1 and (
            not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")
        ):
            end -= 1
        if not isinstance(item, yaml.MappingNode):
            return None
        qid = next((v.value for k, v in item.value if getattr(k, "value", None) == "id"), "")
        dash = lines[starts[n]].find("-")
        spans.append(_Span(str(qid), starts[n], end, max(dash, 0)))
    return spans


def write_question(text: str, qid: str | None, item: Mapping[str, Any] | None) -> str:
    """The bank's text with one question replaced (qid and item), added (item only) or removed
    (qid only); every other line kept as it was."""
    spans = _spans(text)
    if spans is None:  # no question yet, or a bank in flow style: written anew
        items = [
            existing
            for existing in (yaml.safe_load(text) or {}).get("questions", None) or []
            if not (qid and isinstance(existing, dict) and str(existing.get("id")) == qid)
        ]
        if item is not None:
            items.append(dict(item))
        return "questions:\n" + "".join(render_item(entry, 2) for entry in items)
    lines = text.split("\n")
    if qid is None:
        assert item is not None
        last = spans[-1]
        return "\n".join(
            [*lines[: last.end], render_item(item, last.indent).rstrip("\n"), *lines[last.end :]]
        )
    span = next(span for span in spans if span.qid == qid)
    new = [render_item(item, span.indent).rstrip("\n")] if item is not None else []
    return "\n".join([*lines[: span.start], *new, *lines[span.end :]])
