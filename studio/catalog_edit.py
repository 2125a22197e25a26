"""A draft's own standards and practical rubrics (`standards.yaml`, `rubrics/<code>.yaml`), as the
studio's forms edit them.

The forms' input is checked here with translated messages, one per field, before anything is
saved; what is saved is then the package file the loader reads (studio/loader.py), which checks it
again at publication with the catalog's own rules. A code is identity: it is chosen when the
standard or rubric is added and never changed. The version is kept by the rule of the catalog: when
the meaning (English texts, threshold, timing, criteria) differs from the version this centre has
published, the next version number is written; a translation alone keeps the version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from flask_babel import gettext as _
from sqlalchemy import select

from assessments.catalog import (
    CODE_RE,
    RUBRIC_CODE_RE,
    load_rubrics,
    load_standards,
    rubric_hash,
    standard_hash,
)
from assessments.models import Rubric, Standard
from lms import scope
from lms.db import db
from lms.i18n import LANGUAGE_NAMES
from studio.drafts import StudioError
from studio.package_zip import PackageFiles

STANDARDS_FILE = "standards.yaml"
MAX_CRITERIA = 60
MAX_TEXT = 4000
MAX_SECONDS = 24 * 3600


@dataclass
class StandardInput:
    """A standard as the form shows and sends it."""

    code: str = ""
    mastery_threshold: str = "80"
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    version: int = 0  # 0: not in the draft yet


@dataclass
class CriterionInput:
    """One criterion row of the rubric form (id empty: a row added in this form)."""

    id: str = ""
    text: dict[str, str] = field(default_factory=dict)
    required: bool = True


@dataclass
class RubricInput:
    """A rubric as the form shows and sends it."""

    code: str = ""
    standard: str = ""
    time_limit: str = ""
    title: dict[str, str] = field(default_factory=dict)
    instructions: dict[str, str] = field(default_factory=dict)
    criteria: list[CriterionInput] = field(default_factory=list)
    version: int = 0


def _yaml(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        return None


def _dump(data: Any) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).encode()


def _texts(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def course_languages(files: PackageFiles) -> tuple[str, ...]:
    """The languages the draft's course.yaml names (English first), known ones only."""
    data = _yaml(files.get("course.yaml"))
    listed = data.get("languages") if isinstance(data, dict) else None
    languages = [str(c) for c in listed or [] if str(c) in LANGUAGE_NAMES]
    return tuple(["en", *[c for c in languages if c != "en"]])


def course_standards(files: PackageFiles) -> list[str]:
    """The standard codes the draft's course.yaml lists."""
    data = _yaml(files.get("course.yaml"))
    listed = data.get("standards") if isinstance(data, dict) else None
    return [str(code) for code in listed or []] if isinstance(listed, list) else []


def _standard_entries(files: PackageFiles) -> list[dict[str, Any]]:
    data = _yaml(files.get(STANDARDS_FILE))
    entries = data.get("standards") if isinstance(data, dict) else None
    return [e for e in entries or [] if isinstance(e, dict)] if isinstance(entries, list) else []


def own_standards(files: PackageFiles) -> list[StandardInput]:
    """The draft's own standards, as written in its standards.yaml."""
    return [
        StandardInput(
            code=str(entry.get("code", "")),
            mastery_threshold=str(entry.get("mastery_threshold", "")),
            title=_texts(entry.get("title")),
            description=_texts(entry.get("description")),
            version=int(entry["version"]) if isinstance(entry.get("version"), int) else 1,
        )
        for entry in _standard_entries(files)
    ]


def own_rubrics(files: PackageFiles) -> list[RubricInput]:
    """The draft's own rubrics, as written in its rubrics/ folder, by code."""
    found = []
    for name in sorted(files):
        if not (name.startswith("rubrics/") and name.endswith(".yaml")):
            continue
        data = _yaml(files[name])
        if not isinstance(data, dict):
            continue
        limit = data.get("time_limit_seconds")
        found.append(
            RubricInput(
                code=str(data.get("code", name[len("rubrics/") : -len(".yaml")])),
                standard=str(data.get("standard", "")),
                time_limit="" if limit is None else str(limit),
                title=_texts(data.get("title")),
                instructions=_texts(data.get("instructions")),
                criteria=[
                    CriterionInput(
                        str(item.get("id", "")),
                        _texts(item.get("text")),
                        bool(item.get("required", True)),
                    )
                    for item in data.get("criteria") or []
                    if isinstance(item, dict)
                ],
                version=int(data["version"]) if isinstance(data.get("version"), int) else 1,
            )
        )
    return found


def find_standard(files: PackageFiles, code: str) -> StandardInput | None:
    return next((s for s in own_standards(files) if s.code == code), None)


def find_rubric(files: PackageFiles, code: str) -> RubricInput | None:
    return next((r for r in own_rubrics(files) if r.code == code), None)


def standard_choices(files: PackageFiles) -> list[str]:
    """The standards a rubric of this draft may assess: the course's and the draft's own."""
    codes = course_standards(files)
    return codes + [s.code for s in own_standards(files) if s.code not in codes]


# --- checks (translated messages keyed by form field) ----------------------------------------


def _check_texts(
    prefix: str, texts: dict[str, str], languages: tuple[str, ...], errors: dict[str, str]
) -> None:
    for language in languages:
        text = texts.get(language, "").strip()
        if not text:
            errors[f"{prefix}-{language}"] = _(
                "Enter the text in %(language)s.", language=LANGUAGE_NAMES[language]
            )
        elif len(text) > MAX_TEXT:
            errors[f"{prefix}-{language}"] = _(
                "This text is too long (at most %(max)d characters).", max=MAX_TEXT
            )


def _used_elsewhere(model: type[Standard] | type[Rubric], code: str) -> bool:
    """Whether another centre holds the code (a code is unique on the installation). Only the
    answer crosses the boundary: nothing of the other centre is read into the page."""
    mine = scope.current(db.session)
    with scope.unscoped(db.session):
        owners = set(db.session.scalars(select(model.centre_id).where(model.code == code)))
    return any(owner is not None and owner != mine for owner in owners)


def _check_code(
    kind: str, code: str, taken_in_draft: set[str], catalog: set[str], errors: dict[str, str]
) -> None:
    pattern, example = (CODE_RE, "DRV-1") if kind == "standard" else (RUBRIC_CODE_RE, "DRV-P1")
    model: type[Standard] | type[Rubric] = Standard if kind == "standard" else Rubric
    if not pattern.match(code):
        errors["code"] = (
            _(
                "Use 2 to 4 capital letters, a hyphen and a number, e.g. %(example)s.",
                example=example,
            )
            if kind == "standard"
            else _(
                "Use 2 to 4 capital letters, a hyphen, P and a number, e.g. %(example)s.",
                example=example,
            )
        )
    elif code in catalog:
        errors["code"] = _("%(code)s is a code of the UN catalog: choose another.", code=code)
    elif _used_elsewhere(model, code):
        errors["code"] = _(
            "%(code)s is already used by another centre on this installation: choose another.",
            code=code,
        )
    elif code in taken_in_draft:
        errors["code"] = _("This course already has %(code)s.", code=code)


def _whole(text: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return None
    value = int(text)
    return value if low <= value <= high else None


def check_standard(files: PackageFiles, data: StandardInput, is_new: bool) -> dict[str, str]:
    """What is wrong with a standard from the form (field -> translated message)."""
    errors: dict[str, str] = {}
    if is_new:
        taken = {s.code for s in own_standards(files)}
        _check_code("standard", data.code, taken, set(load_standards()), errors)
    if _whole(data.mastery_threshold, 1, 100) is None:
        errors["mastery_threshold"] = _("Enter a whole number from 1 to 100.")
    languages = course_languages(files)
    _check_texts("title", data.title, languages, errors)
    _check_texts("description", data.description, languages, errors)
    return errors


def check_rubric(files: PackageFiles, data: RubricInput, is_new: bool) -> dict[str, str]:
    """What is wrong with a rubric from the form (field -> translated message)."""
    errors: dict[str, str] = {}
    if is_new:
        taken = {r.code for r in own_rubrics(files)}
        _check_code("rubric", data.code, taken, set(load_rubrics(load_standards())), errors)
    if data.standard not in standard_choices(files):
        errors["standard"] = _("Choose one of the course's standards or its own.")
    if data.time_limit.strip() and _whole(data.time_limit, 1, MAX_SECONDS) is None:
        errors["time_limit"] = _(
            "Enter a whole number of seconds from 1 to 86,400, or leave it empty."
        )
    languages = course_languages(files)
    _check_texts("title", data.title, languages, errors)
    _check_texts("instructions", data.instructions, languages, errors)
    if not data.criteria:
        errors["criteria"] = _("A practical needs at least one criterion.")
    elif len(data.criteria) > MAX_CRITERIA:
        errors["criteria"] = _("A practical has at most %(max)d criteria.", max=MAX_CRITERIA)
    for index, criterion in enumerate(data.criteria):
        _check_texts(f"criterion-{index}", criterion.text, languages, errors)
    return errors


# --- saving (the caller saves the returned files with studio.drafts.save_draft) ---------------


def _published_version(model: type[Standard] | type[Rubric], code: str) -> tuple[int, str] | None:
    """The centre's current published version of a code and its content hash."""
    row = db.session.execute(
        select(model.version, model.content_hash).where(model.code == code, model.is_current)
    ).first()
    return (row[0], row[1]) if row else None


def _version(model: type[Standard] | type[Rubric], code: str, digest: str, in_draft: int) -> int:
    published = _published_version(model, code)
    if published is None:
        return max(in_draft, 1)
    version, published_hash = published
    if published_hash == digest:
        return version
    return max(in_draft, version + 1)


def _clean(texts: dict[str, str], languages: tuple[str, ...]) -> dict[str, str]:
    return {code: texts[code].strip() for code in languages if texts.get(code, "").strip()}


def with_standard(files: PackageFiles, data: StandardInput) -> PackageFiles:
    """The draft's files with this standard added or replaced in standards.yaml."""
    languages = course_languages(files)
    threshold = int(data.mastery_threshold.strip())
    title, description = _clean(data.title, languages), _clean(data.description, languages)
    domain = data.code.split("-", 1)[0]
    digest = standard_hash(domain, threshold, title, description)
    entry = {
        "code": data.code,
        "version": _version(Standard, data.code, digest, data.version),
        "mastery_threshold": threshold,
        "title": title,
        "description": description,
    }
    entries = _standard_entries(files)
    index = next((i for i, e in enumerate(entries) if e.get("code") == data.code), None)
    if index is None:
        entries.append(entry)
    else:
        if entries[index].get("outcomes"):  # references written in the package: kept (no form)
            entry["outcomes"] = entries[index]["outcomes"]
        entries[index] = entry
    return {**files, STANDARDS_FILE: _dump({"standards": entries})}


def with_rubric(files: PackageFiles, data: RubricInput) -> PackageFiles:
    """The draft's files with this rubric written to rubrics/<code>.yaml (new criteria get the
    next free ids: an existing criterion keeps its id, so its results keep their meaning)."""
    languages = course_languages(files)
    used = {c.id for c in data.criteria if c.id}
    old = _yaml(files.get(f"rubrics/{data.code}.yaml"))
    tagged = {  # a criterion's outcome references written in the package: kept (no form)
        str(c.get("id")): c["outcomes"]
        for c in (old.get("criteria") or [] if isinstance(old, dict) else [])
        if isinstance(c, dict) and c.get("outcomes")
    }
    number = 0
    criteria = []
    for criterion in data.criteria:
        cid = criterion.id
        while not cid:
            number += 1
            cid = f"c{number}" if f"c{number}" not in used else ""
        used.add(cid)
        criteria.append(
            {"id": cid, "text": _clean(criterion.text, languages), "required": criterion.required}
        )
    title, instructions = _clean(data.title, languages), _clean(data.instructions, languages)
    limit = int(data.time_limit.strip()) if data.time_limit.strip() else None
    digest = rubric_hash(data.standard, title, instructions, limit, criteria)
    content: dict[str, Any] = {
        "code": data.code,
        "standard": data.standard,
        "version": _version(Rubric, data.code, digest, data.version),
        "title": title,
        "instructions": instructions,
    }
    if limit is not None:
        content["time_limit_seconds"] = limit
    content["criteria"] = [
        {**criterion, "outcomes": tagged[criterion["id"]]}
        if criterion["id"] in tagged
        else criterion
        for criterion in criteria
    ]
    return {**files, f"rubrics/{data.code}.yaml": _dump(content)}


# --- the practicals the course's trainees must pass (course.yaml `practicals`) ----------------

PRACTICALS_LINE = re.compile(r"^practicals:[ \t]*(?P<rest>[^\n]*)$", re.MULTILINE)
BLOCK_ITEM = re.compile(r"\A(?:[ \t]+-[^\n]*\n|[ \t]*#[^\n]*\n)*")


def course_practicals(files: PackageFiles) -> list[str]:
    """The rubric codes the draft's course.yaml requires."""
    data = _yaml(files.get("course.yaml"))
    listed = data.get("practicals") if isinstance(data, dict) else None
    return [str(code) for code in listed] if isinstance(listed, list) else []


def practical_choices(files: PackageFiles) -> list[tuple[str, dict[str, str], bool]]:
    """The practicals the course may require, (code, title, own): those of the UN catalog and the
    draft's own whose standard the course covers (the loader's rule)."""
    covered = set(course_standards(files))
    catalog = load_rubrics(load_standards())
    choices = [(r.code, r.title, False) for r in catalog.values() if r.standard in covered]
    choices += [(r.code, r.title, True) for r in own_rubrics(files) if r.standard in covered]
    return sorted(choices, key=lambda choice: choice[0])


def with_practicals(files: PackageFiles, codes: list[str]) -> PackageFiles:
    """The draft's files with course.yaml's `practicals` set to these codes. Only that line (or
    block) is rewritten, as a one-line list, so the author's layout and comments stay."""
    text = files["course.yaml"].decode("utf-8")
    line = f"practicals: [{', '.join(codes)}]"
    match = PRACTICALS_LINE.search(text)
    if match is None:
        lessons = re.search(r"^lessons:", text, re.MULTILINE)
        at = lessons.start() if lessons else len(text)
        text = f"{text[:at]}{line}\n{text[at:]}"
    else:
        rest = match["rest"]
        comment = rest[rest.index("#") :] if "#" in rest and "]" in rest.split("#")[0] else ""
        end = match.end()
        if not rest.strip().startswith("["):  # a block list: its "- CODE" lines go too
            block = BLOCK_ITEM.match(text[end + 1 :])
            end += len(block.group(0)) if block else 0
            comment = rest if rest.strip().startswith("#") else ""
        text = text[: match.start()] + line + (f"  {comment}" if comment else "") + text[end:]
    updated = {**files, "course.yaml": text.encode("utf-8")}
    if course_practicals(updated) != codes:  # never save a course.yaml that says something else
        raise StudioError(_("The practicals could not be written into course.yaml."))
    return updated
