"""A draft's translatable texts: what is translated, stale or missing, and saving translations.

Every text of a package that is written in English and translated is an *item* with a stable id:

- `course/title`, `course/summary`;
- `lesson/<slug>` (the whole lesson file: its `# Title` line and body);
- `question/<id>/text`, `question/<id>/case`, `question/<id>/explanation`,
  `question/<id>/option/<option id>`;
- the centre's own standards and practicals the package carries (standards.yaml, rubrics/*.yaml):
  `standard/<code>/title`, `standard/<code>/description`, `rubric/<code>/title`,
  `rubric/<code>/instructions`, `rubric/<code>/criterion/<criterion id>`.

A translation is *stale* when the English source changed since it was made: the package's
`translations.yaml` keeps, per language and item, a short hash of the English text each translation
was made from (docs/course-format.md). The studio writes it whenever it saves a translation; a
translation without an entry (the bundled courses, a package written by hand) counts as current.

The studio's translation pages and the translators' PO files (studio.po_exchange) work through
`draft_items` / `apply_translations`; the draft itself is saved with studio.drafts.save_draft.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml
from cachetools import LRUCache
from flask_babel import gettext as _

from courses.rendering import lint_markdown
from lms.settings import LANGUAGES
from studio.loader import REFERENCE_LANGUAGE, SLUG_RE, SOURCE_HASH_LENGTH
from studio.package_zip import PackageFiles, unpack_trusted

SOURCES_FILE = "translations.yaml"
# What the matrix counts, in its column order.
CATEGORIES = ("course", "lessons", "questions", "options", "explanations", "practicals")
STANDARDS_FILE = "standards.yaml"
_OWN_FIELDS = {"standard": ("title", "description"), "rubric": ("title", "instructions")}
CURRENT, STALE, MISSING = "current", "stale", "missing"

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Reading texts only: every scalar as a string, no implicit typing (a third faster on a big bank).
_TextLoader: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_CACHE: LRUCache[str, DraftTexts] = LRUCache(maxsize=8)
_CACHE_LOCK = threading.Lock()
_DumperBase: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class UnreadableDraft(ValueError):
    """The draft's course.yaml or questions.yaml cannot be read (fix it by import first)."""


def short_hash(text: str) -> str:
    """What `translations.yaml` records of an English text: the start of its SHA-256."""
    return hashlib.sha256(text.strip().encode()).hexdigest()[:SOURCE_HASH_LENGTH]


@dataclass(frozen=True)
class Item:
    """One translatable text of a package, in every language it is written in."""

    id: str
    category: str  # one of CATEGORIES
    label: str  # what an author reads: "q12 · option b"
    texts: dict[str, str]
    markdown: bool = False  # a whole lesson file

    @property
    def source(self) -> str:
        return self.texts.get(REFERENCE_LANGUAGE, "")


@dataclass(frozen=True, eq=False)
class DraftTexts:
    """A draft's items, its languages and what each translation was made from."""

    items: tuple[Item, ...]
    languages: tuple[str, ...]  # complete ("languages" of course.yaml), English first
    partial: tuple[str, ...]  # "partial_languages"
    sources: dict[str, dict[str, str]]  # language -> item id -> short hash

    def item(self, item_id: str) -> Item | None:
        return self._by_id.get(item_id)

    def question_of(self, item: Item) -> Item | None:
        """For a question's option, case or explanation: the question's own text (context)."""
        if not item.id.startswith("question/") or item.id.endswith("/text"):
            return None
        if item.category == "options":
            return self.item(item.id.rsplit("/option/", 1)[0] + "/text")
        return self.item(item.id.rsplit("/", 1)[0] + "/text")

    @cached_property
    def _by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    def status(self, item: Item, language: str) -> str:
        text = item.texts.get(language, "")
        if not text.strip():
            return MISSING
        made_from = self.sources.get(language, {}).get(item.id)
        if made_from is not None and made_from != short_hash(item.source):
            return STALE
        return CURRENT


@dataclass
class Counts:
    """Per category: how many texts are current, stale and missing in one language."""

    language: str
    kind: str  # "complete", "partial" or "none" (neither listed: the centre's language)
    cells: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total(self) -> dict[str, int]:
        return {
            status: sum(cell[status] for cell in self.cells.values())
            for status in (CURRENT, STALE, MISSING)
        }


def _yaml(files: Mapping[str, bytes], name: str, loader: Any = _Loader) -> Any:
    try:
        return yaml.load(files[name].decode("utf-8"), Loader=loader)  # noqa: S506 - safe loaders
    except (KeyError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UnreadableDraft(name) from error


def _texts(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if k in LANGUAGES and isinstance(v, str)}


def lesson_name(position: int, slug: str, language: str) -> str:
    return f"lessons/{position:02d}-{slug}.{language}.md"


def _lesson_text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n").lstrip("\ufeff")


def draft_items(files: Mapping[str, bytes]) -> DraftTexts:
    """Every translatable text of a package's files, in package order."""
    manifest = _yaml(files, "course.yaml", _TextLoader)
    if not isinstance(manifest, dict):
        raise UnreadableDraft("course.yaml")
    items = [
        Item("course/title", "course", "title", _texts(manifest.get("title"))),
        Item("course/summary", "course", "summary", _texts(manifest.get("summary"))),
    ]
    for position, entry in enumerate(manifest.get("lessons") or [], start=1):
        slug = str(entry.get("slug", "")) if isinstance(entry, dict) else ""
        if not SLUG_RE.match(slug):
            continue
        texts = {
            language: _lesson_text(files[name])
            for language in LANGUAGES
            if (name := lesson_name(position, slug, language)) in files
        }
        items.append(Item(f"lesson/{slug}", "lessons", slug, texts, markdown=True))
    bank = _yaml(files, "questions.yaml", _TextLoader) if "questions.yaml" in files else None
    entries = bank.get("questions") if isinstance(bank, dict) else None
    for question in entries if isinstance(entries, list) else []:
        if not isinstance(question, dict) or not str(question.get("id", "")).strip():
            continue
        qid = str(question["id"]).strip()
        items.append(Item(f"question/{qid}/text", "questions", qid, _texts(question.get("text"))))
        if "case" in question:
            items.append(
                Item(f"question/{qid}/case", "questions", qid, _texts(question.get("case")))
            )
        for option in question.get("options") or []:
            if isinstance(option, dict) and str(option.get("id", "")):
                oid = str(option["id"])
                items.append(
                    Item(
                        f"question/{qid}/option/{oid}",
                        "options",
                        f"{qid} · {oid}",
                        _texts(option.get("text")),
                    )
                )
        items.append(
            Item(
                f"question/{qid}/explanation",
                "explanations",
                qid,
                _texts(question.get("explanation")),
            )
        )
    items.extend(_own_catalog_items(files))
    languages = tuple(str(code) for code in manifest.get("languages") or [] if code in LANGUAGES)
    partial = tuple(
        str(code) for code in manifest.get("partial_languages") or [] if code in LANGUAGES
    )
    return DraftTexts(tuple(items), languages, partial, read_sources(files))


def _rubric_files(files: Mapping[str, bytes]) -> list[str]:
    return sorted(name for name in files if name.startswith("rubrics/") and name.endswith(".yaml"))


def _own_catalog_items(files: Mapping[str, bytes]) -> list[Item]:
    """The texts of the centre's own standards and practicals (category "practicals")."""
    items: list[Item] = []
    own = _yaml(files, STANDARDS_FILE, _TextLoader) if STANDARDS_FILE in files else None
    for entry in own.get("standards") or [] if isinstance(own, dict) else []:
        if isinstance(entry, dict) and str(entry.get("code", "")).strip():
            code = str(entry["code"]).strip()
            for name in _OWN_FIELDS["standard"]:
                items.append(
                    Item(f"standard/{code}/{name}", "practicals", code, _texts(entry.get(name)))
                )
    for file_name in _rubric_files(files):
        rubric = _yaml(files, file_name, _TextLoader)
        if not isinstance(rubric, dict) or not str(rubric.get("code", "")).strip():
            continue
        code = str(rubric["code"]).strip()
        for name in _OWN_FIELDS["rubric"]:
            items.append(
                Item(f"rubric/{code}/{name}", "practicals", code, _texts(rubric.get(name)))
            )
        for criterion in rubric.get("criteria") or []:
            if isinstance(criterion, dict) and str(criterion.get("id", "")):
                cid = str(criterion["id"])
                items.append(
                    Item(
                        f"rubric/{code}/criterion/{cid}",
                        "practicals",
                        f"{code} · {cid}",
                        _texts(criterion.get("text")),
                    )
                )
    return items


def package_texts(package: bytes, sha256: str) -> DraftTexts:
    """draft_items of a stored package (a draft or a published version), remembered by its
    SHA-256: the pages of one draft and the versions it is compared with are parsed once."""
    with _CACHE_LOCK:
        found = _CACHE.get(sha256)
    if found is None:
        found = draft_items(unpack_trusted(package))
        with _CACHE_LOCK:
            _CACHE[sha256] = found
    return found


def read_sources(files: Mapping[str, bytes]) -> dict[str, dict[str, str]]:
    """translations.yaml as {language: {item id: short hash}} (what cannot be read is left out;
    the loader reports it)."""
    if SOURCES_FILE not in files:
        return {}
    try:
        data = _yaml(files, SOURCES_FILE)
    except UnreadableDraft:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(language): {str(k): str(v) for k, v in entries.items()}
        for language, entries in data.items()
        if isinstance(entries, dict)
    }


def target_languages(texts: DraftTexts, centre_languages: Iterable[str]) -> list[str]:
    """The languages to translate into: the course's, its partial ones and the centre's."""
    wanted = [*texts.languages, *texts.partial, *centre_languages]
    return [
        code
        for code in LANGUAGES
        if code != REFERENCE_LANGUAGE and code in wanted  # LANGUAGES' order
    ]


def language_kind(texts: DraftTexts, language: str) -> str:
    if language in texts.languages:
        return "complete"
    return "partial" if language in texts.partial else "none"


def matrix(texts: DraftTexts, languages: Iterable[str]) -> list[Counts]:
    """For each language, per category, the texts current, stale and missing."""
    rows = []
    for language in languages:
        row = Counts(language, language_kind(texts, language))
        row.cells = {c: {CURRENT: 0, STALE: 0, MISSING: 0} for c in CATEGORIES}
        for item in texts.items:
            if item.source.strip():
                row.cells[item.category][texts.status(item, language)] += 1
        rows.append(row)
    return rows


def next_to_do(texts: DraftTexts, language: str, after: str | None = None) -> Item | None:
    """The next missing or stale item after `after` (from the start when None), wrapping round."""
    todo = [
        item
        for item in texts.items
        if item.source.strip() and texts.status(item, language) != CURRENT
    ]
    if not todo:
        return None
    ids = [item.id for item in texts.items]
    start = ids.index(after) + 1 if after in ids else 0
    later = [item for item in todo if ids.index(item.id) >= start]
    return (later or todo)[0]


class _Dumper(_DumperBase):
    """Block style for multi-line texts, so a saved file stays readable."""


def _str(dumper: Any, value: str) -> Any:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(data: Any) -> bytes:
    return yaml.dump(  # noqa: S506 - a safe dumper
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    ).encode()


@dataclass(frozen=True)
class Change:
    """One translation to save: the new text (None keeps the text: only the record changes) and
    the English text it was made from."""

    item_id: str
    language: str
    text: str | None
    made_from: str


def apply_translations(files: Mapping[str, bytes], changes: Iterable[Change]) -> PackageFiles:
    """The package with these translations written in and translations.yaml recording what each
    was made from. The caller has checked that every item id exists."""
    result = dict(files)
    changes = list(changes)
    manifest = _yaml(files, "course.yaml")
    bank: Any = None
    sources = read_sources(files)
    questions: dict[str, Any] = {}
    for change in changes:
        kind, _, rest = change.item_id.partition("/")
        if change.text is not None:
            if kind == "course":
                manifest.setdefault(rest, {})[change.language] = change.text
            elif kind == "lesson":
                position = _lesson_position(manifest, rest)
                name = lesson_name(position, rest, change.language)
                text = change.text.replace("\r\n", "\n").strip() + "\n"
                result[name] = text.encode()
            elif kind in _OWN_FIELDS:
                _set_own_text(result, change.item_id, change.language, change.text)
            else:
                if bank is None:
                    bank = _yaml(files, "questions.yaml")
                    questions = {str(q.get("id", "")).strip(): q for q in bank["questions"]}
                _set_question_text(questions, change.item_id, change.language, change.text)
        sources.setdefault(change.language, {})[change.item_id] = short_hash(change.made_from)
    offered = [*(manifest.get("languages") or []), *(manifest.get("partial_languages") or [])]
    new_languages = sorted(
        {c.language for c in changes if c.text is not None and c.language not in offered},
        key=LANGUAGES.index,
    )
    if new_languages:  # a text in a language the course did not offer: offered as partial
        manifest["partial_languages"] = [*(manifest.get("partial_languages") or []), *new_languages]
    if new_languages or any(
        c.text is not None and c.item_id.startswith("course/") for c in changes
    ):
        result["course.yaml"] = dump_yaml(manifest)
    if bank is not None:
        result["questions.yaml"] = dump_yaml(bank)
    known = {item.id for item in draft_items(result).items}
    kept = {
        language: {k: v for k, v in sorted(entries.items()) if k in known}
        for language, entries in sorted(sources.items())
    }
    result[SOURCES_FILE] = dump_yaml({k: v for k, v in kept.items() if v})
    return result


def _lesson_position(manifest: dict[str, Any], slug: str) -> int:
    for position, entry in enumerate(manifest.get("lessons") or [], start=1):
        if isinstance(entry, dict) and entry.get("slug") == slug:
            return position
    raise KeyError(slug)


def _set_own_text(files: dict[str, bytes], item_id: str, language: str, text: str) -> None:
    """Write a translation of an own standard's or practical's text into its file (the file is
    written again as YAML; its meaning and version are the author's to change, not a translator's)."""
    kind, code, what = item_id.split("/", 2)
    if kind == "standard":
        data = _yaml(files, STANDARDS_FILE)
        entry = next(e for e in data["standards"] if str(e.get("code", "")).strip() == code)
        entry.setdefault(what, {})[language] = text
        files[STANDARDS_FILE] = dump_yaml(data)
        return
    name = next(n for n in _rubric_files(files) if str(_yaml(files, n).get("code", "")) == code)
    rubric = _yaml(files, name)
    if what.startswith("criterion/"):
        cid = what.removeprefix("criterion/")
        criterion = next(c for c in rubric["criteria"] if str(c.get("id", "")) == cid)
        criterion.setdefault("text", {})[language] = text
    else:
        rubric.setdefault(what, {})[language] = text
    files[name] = dump_yaml(rubric)


def _set_question_text(questions: dict[str, Any], item_id: str, language: str, text: str) -> None:
    # "question/<qid>/<field>" or "question/<qid>/option/<oid>"; a qid may hold "/" itself.
    body = item_id.removeprefix("question/")
    for qid, question in questions.items():
        if not body.startswith(qid + "/"):
            continue
        what = body[len(qid) + 1 :]
        if what in {"text", "case", "explanation"}:
            question.setdefault(what, {})[language] = text
            return
        if what.startswith("option/"):
            for option in question.get("options") or []:
                if str(option.get("id", "")) == what.removeprefix("option/"):
                    option.setdefault("text", {})[language] = text
                    return
    raise KeyError(item_id)


def check_translation(item: Item, text: str, media: set[str]) -> list[str]:
    """Why a translation cannot be saved (translated messages; empty: it can). A lesson keeps the
    loader's Markdown rules: its title line, no raw HTML, https links, images of the package."""
    if not text.strip():
        return [_("%(id)s: the translation is empty.", id=item.id)]
    if not item.markdown:
        return []
    text = text.replace("\r\n", "\n").strip() + "\n"
    problems = [
        _(
            "%(id)s, line %(line)s: %(problem)s",
            id=item.id,
            line=issue.line or 1,
            problem=issue.message,
        )
        for issue in lint_markdown(text)
    ]
    problems.extend(
        _("%(id)s: the image %(image)s is not in the package.", id=item.id, image=image)
        for image in re.findall(r"!\[[^\]]*\]\((media/[^)\s]+)", text)
        if image not in media
    )
    return problems


def offer_language(files: Mapping[str, bytes], language: str, kind: str) -> PackageFiles:
    """The package with `language` offered as "complete" (in `languages`) or "partial" (in
    `partial_languages`). The caller checks that a complete language has every text."""
    manifest = _yaml(files, "course.yaml")
    complete = [code for code in manifest.get("languages") or [] if code != language]
    partial = [code for code in manifest.get("partial_languages") or [] if code != language]
    if kind == "complete":
        complete.append(language)
    else:
        partial.append(language)
    manifest["languages"] = sorted(complete, key=_language_order)
    if partial:
        manifest["partial_languages"] = sorted(partial, key=_language_order)
    else:
        manifest.pop("partial_languages", None)
    return {**files, "course.yaml": dump_yaml(manifest)}


def _language_order(code: Any) -> int:
    return LANGUAGES.index(code) if code in LANGUAGES else len(LANGUAGES)
