"""The catalog of unified standards and the practical-evaluation rubrics, read from their files."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assessments.frameworks import read_references
from lms.settings import LANGUAGES
from lms.yamlfile import FileProblem, PackageError, line_of, read_yaml

STANDARDS_DIR = Path(__file__).resolve().parent / "standards"
RUBRICS_DIR = Path(__file__).resolve().parent / "rubrics"
CODE_RE = re.compile(r"^[A-Z]{2,4}-[0-9]{1,2}$")
RUBRIC_CODE_RE = re.compile(r"^[A-Z]{2,4}-P[0-9]{1,2}$")


def standard_hash(
    domain: str, threshold: int, title: dict[str, str], description: dict[str, str]
) -> str:
    """The meaning of a standard: domain, threshold and the English title and description."""
    payload = [domain, threshold, title["en"], description["en"]]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def rubric_hash(
    standard: str,
    title: dict[str, str],
    instructions: dict[str, str],
    time_limit_seconds: int | None,
    criteria: list[dict[str, Any]],
) -> str:
    """The meaning of a rubric: its standard, timing and the English texts of it and its criteria."""
    payload = [
        standard,
        title["en"],
        instructions["en"],
        time_limit_seconds,
        [[c["id"], c["text"]["en"], c["required"]] for c in criteria],
    ]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def question_hash(standard: str, kind: str, content: dict[str, Any]) -> str:
    """The meaning of a question: its standard, kind, answer key and English texts. A new or
    corrected translation keeps the hash, so the question stays the same row (its texts updated);
    what a trainee was shown is kept with the attempt (AttemptItem.served)."""

    def english(value: Any) -> Any:
        if (
            isinstance(value, dict)
            and "en" in value
            and all(isinstance(v, str) for v in value.values())
        ):
            return value["en"]
        if isinstance(value, dict):
            return {key: english(item) for key, item in value.items()}
        if isinstance(value, list):
            return [english(item) for item in value]
        return value

    payload = [standard, kind, english(content)]
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


@dataclass(frozen=True)
class StandardSpec:
    """One standard as its file defines it."""

    code: str
    domain: str
    version: int
    mastery_threshold: int
    title: dict[str, str]
    description: dict[str, str]
    outcomes: tuple[str, ...] = ()  # learning-outcome references (not part of its meaning)

    @property
    def content_hash(self) -> str:
        """A fingerprint of what gives the standard its meaning: the reference (English) text and
        the threshold. A new or corrected translation is not a new version (as for lessons)."""
        return standard_hash(self.domain, self.mastery_threshold, self.title, self.description)


@dataclass(frozen=True)
class CriterionSpec:
    """One observable criterion of a rubric."""

    id: str
    text: dict[str, str]
    required: bool
    outcomes: tuple[str, ...] = ()  # learning-outcome references (not part of its meaning)


@dataclass(frozen=True)
class RubricSpec:
    """A practical (observed) evaluation as its file defines it."""

    code: str
    standard: str
    version: int
    title: dict[str, str]
    instructions: dict[str, str]
    time_limit_seconds: int | None
    criteria: tuple[CriterionSpec, ...] = field(default_factory=tuple)


def check_texts(
    value: Any,
    languages: tuple[str, ...] | list[str],
    where: str,
    path: Path,
    line: int | None,
    problems: list[FileProblem],
) -> dict[str, str]:
    """A {language: text} mapping with every language present and non-empty."""
    if not isinstance(value, dict):
        problems.append(FileProblem(path, line, f"{where}: expected a text per language"))
        return {}
    for code in value:
        if code not in LANGUAGES:
            problems.append(FileProblem(path, line, f"{where}: unknown language {code!r}"))
    for code in languages:
        text = value.get(code)
        if not isinstance(text, str) or not text.strip():
            problems.append(FileProblem(path, line, f"{where}: missing {code!r} translation"))
    return {code: str(text).strip() for code, text in value.items() if code in LANGUAGES}


def _positive_int(
    value: Any,
    where: str,
    path: Path,
    line: int | None,
    problems: list[FileProblem],
    low: int = 1,
    high: int = 10_000,
) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(
            FileProblem(path, line, f"{where}: expected a whole number from {low} to {high}")
        )
        return low
    return value


def load_standards(directory: Path = STANDARDS_DIR) -> dict[str, StandardSpec]:
    """Read and validate every standards file; raise PackageError listing every problem."""
    problems: list[FileProblem] = []
    standards: dict[str, StandardSpec] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = read_yaml(path)
        except PackageError as error:
            problems.extend(error.problems)
            continue
        for spec in _standards_in(path, data, problems):
            if spec.code in standards:
                problems.append(FileProblem(path, None, f"duplicate standard code {spec.code}"))
            standards[spec.code] = spec
    if problems:
        raise PackageError(problems)
    return standards


def _standards_in(
    path: Path,
    data: Any,
    problems: list[FileProblem],
    languages: tuple[str, ...] | list[str] = LANGUAGES,
    domain_per_code: bool = False,
) -> list[StandardSpec]:
    """The standards of one file. The catalog's files name one `domain`; a course's own
    `standards.yaml` (domain_per_code) may mix domains, each code's being its prefix."""
    if not isinstance(data, dict) or not isinstance(data.get("standards"), list):
        expected = (
            "a list of 'standards'" if domain_per_code else "'domain' and a list of 'standards'"
        )
        problems.append(FileProblem(path, 1, f"expected {expected}"))
        return []
    file_domain = str(data.get("domain", "")).strip()
    found = []
    for item in data["standards"]:
        line = line_of(item)
        if not isinstance(item, dict):
            problems.append(FileProblem(path, line, "each standard must be a mapping"))
            continue
        code = str(item.get("code", ""))
        domain = code.split("-", 1)[0] if domain_per_code else file_domain
        if not CODE_RE.match(code) or not code.startswith(domain + "-"):
            problems.append(
                FileProblem(path, line, f"invalid standard code {code!r} for domain {domain!r}")
            )
        found.append(
            StandardSpec(
                code=code,
                domain=domain,
                version=_positive_int(item.get("version"), f"{code} version", path, line, problems),
                mastery_threshold=_positive_int(
                    item.get("mastery_threshold"),
                    f"{code} mastery_threshold",
                    path,
                    line,
                    problems,
                    1,
                    100,
                ),
                title=check_texts(
                    item.get("title"), languages, f"{code} title", path, line, problems
                ),
                description=check_texts(
                    item.get("description"), languages, f"{code} description", path, line, problems
                ),
                outcomes=read_references(item.get("outcomes"), code, path, line, problems),
            )
        )
    return found


def load_rubrics(
    standards: dict[str, StandardSpec], directory: Path = RUBRICS_DIR
) -> dict[str, RubricSpec]:
    """Read and validate every rubric file; raise PackageError listing every problem."""
    problems: list[FileProblem] = []
    rubrics: dict[str, RubricSpec] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = read_yaml(path)
        except PackageError as error:
            problems.extend(error.problems)
            continue
        rubric = _rubric_in(path, data, standards, problems)
        if rubric is not None:
            rubrics[rubric.code] = rubric
    if problems:
        raise PackageError(problems)
    return rubrics


def _rubric_in(
    path: Path,
    data: Any,
    standards: dict[str, StandardSpec],
    problems: list[FileProblem],
    languages: tuple[str, ...] | list[str] = LANGUAGES,
) -> RubricSpec | None:
    if not isinstance(data, dict):
        problems.append(FileProblem(path, 1, "expected a mapping"))
        return None
    code, standard = str(data.get("code", "")), str(data.get("standard", ""))
    if not RUBRIC_CODE_RE.match(code) or path.stem != code:
        problems.append(
            FileProblem(
                path, 1, f"rubric code {code!r} must look like SAF-P1 and match the file name"
            )
        )
    if standard not in standards:
        problems.append(FileProblem(path, 1, f"unknown standard code {standard!r}"))
    limit = data.get("time_limit_seconds")
    criteria = []
    for item in data.get("criteria") or []:
        line = line_of(item)
        if not isinstance(item, dict) or not item.get("id"):
            problems.append(FileProblem(path, line, "each criterion needs an id"))
            continue
        text = check_texts(
            item.get("text"), languages, f"criterion {item['id']}", path, line, problems
        )
        outcomes = read_references(
            item.get("outcomes"), f"criterion {item['id']}", path, line, problems
        )
        criteria.append(
            CriterionSpec(str(item["id"]), text, bool(item.get("required", True)), outcomes)
        )
    if not criteria:
        problems.append(FileProblem(path, 1, "a rubric needs at least one criterion"))
    return RubricSpec(
        code=code,
        standard=standard,
        version=_positive_int(data.get("version"), "version", path, 1, problems),
        title=check_texts(data.get("title"), languages, "title", path, 1, problems),
        instructions=check_texts(
            data.get("instructions"), languages, "instructions", path, 1, problems
        ),
        time_limit_seconds=None
        if limit is None
        else _positive_int(limit, "time_limit_seconds", path, 1, problems),
        criteria=tuple(criteria),
    )


def read_own_standards(
    path: Path, languages: tuple[str, ...], catalog: dict[str, StandardSpec]
) -> dict[str, StandardSpec]:
    """A course package's own `standards.yaml` (a centre's standards), validated with the
    catalog's rules, the texts in the course's languages; a code of the UN catalog is refused."""
    problems: list[FileProblem] = []
    standards: dict[str, StandardSpec] = {}
    data = read_yaml(path)
    seen: dict[str, int] = {}
    for spec in _standards_in(path, data, problems, languages, domain_per_code=True):
        lines = [line_of(item) for item in data["standards"] if _code_of(item) == spec.code]
        line = lines[min(seen.get(spec.code, 0), len(lines) - 1)] if lines else None
        seen[spec.code] = seen.get(spec.code, 0) + 1
        if spec.code in catalog:
            problems.append(
                FileProblem(path, line, f"standard code {spec.code} belongs to the UN catalog")
            )
        elif spec.code in standards:
            problems.append(FileProblem(path, line, f"duplicate standard code {spec.code}"))
        standards[spec.code] = spec
    if problems:
        raise PackageError(problems)
    return standards


def read_own_rubrics(
    directory: Path,
    languages: tuple[str, ...],
    standards: dict[str, StandardSpec],
    catalog: dict[str, RubricSpec],
) -> dict[str, RubricSpec]:
    """A course package's own `rubrics/<code>.yaml` (a centre's practicals), validated with the
    catalog's rules (standards: the catalog's and the package's own); a UN code is refused."""
    problems: list[FileProblem] = []
    rubrics: dict[str, RubricSpec] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = read_yaml(path)
        except PackageError as error:
            problems.extend(error.problems)
            continue
        rubric = _rubric_in(path, data, standards, problems, languages)
        if rubric is None:
            continue
        if rubric.code in catalog:
            problems.append(
                FileProblem(path, 1, f"rubric code {rubric.code} belongs to the UN catalog")
            )
        rubrics[rubric.code] = rubric
    if problems:
        raise PackageError(problems)
    return rubrics


def _code_of(item: Any) -> str | None:
    return str(item.get("code")) if isinstance(item, dict) else None
