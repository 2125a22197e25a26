"""Changes an author makes to a draft's package in the browser: course details and lessons.

Each function takes a draft's files (studio.drafts.draft_files) and returns the changed files, to
be saved with studio.drafts.save_draft; a change that cannot be made raises StudioError with a
translated message and changes nothing. course.yaml is rewritten only where its values change
(studio.manifest_text). Lesson files keep the loader's names, `lessons/<nn>-<slug>.<lang>.md` with
`nn` the lesson's position: moving or removing a lesson renames the files of the lessons after it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from flask_babel import gettext as _

from courses.rendering import MarkdownIssue, lint_markdown, split_title
from lms.settings import LANGUAGES
from studio.drafts import StudioError
from studio.loader import LESSON_FILE_RE, SLUG_RE
from studio.manifest_text import update_manifest
from studio.package_zip import PackageFiles

MANIFEST = "course.yaml"
MAX_LESSON_BYTES = 512 * 1024  # a long lesson in six languages is under a tenth of this
_IMAGE_REF = re.compile(r"!\[[^\]]*\]\((media/[^)\s]+)")


@dataclass(frozen=True)
class LessonRow:
    """A lesson of a draft as its author sees it in the list and the editor."""

    position: int
    slug: str
    standards: tuple[str, ...]
    minutes: int | None
    titles: dict[str, str] = field(default_factory=dict)  # language -> title, for each file
    outcomes: tuple[str, ...] = ()  # learning-outcome references, as course.yaml lists them

    def file(self, language: str) -> str:
        """The name of the lesson's file in a language (whether it exists or not)."""
        return lesson_file(self.position, self.slug, language)


def lesson_file(position: int, slug: str, language: str) -> str:
    """The loader's name of a lesson file."""
    return f"lessons/{position:02d}-{slug}.{language}.md"


def read_manifest(files: Mapping[str, bytes]) -> dict[str, Any]:
    """The draft's course.yaml as data; StudioError when it cannot be edited in the browser."""
    try:
        data = yaml.safe_load(files[MANIFEST].decode("utf-8"))
    except (KeyError, UnicodeDecodeError, yaml.YAMLError):
        data = None
    entries = data.get("lessons", []) if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(entry, dict) and isinstance(entry.get("slug"), str) for entry in entries
    ):
        raise StudioError(
            _(
                "This draft's course.yaml cannot be read. Correct it in a package "
                "(Replace the draft with a package), then edit it here."
            )
        )
    assert isinstance(data, dict)
    return data


def write_manifest(files: Mapping[str, bytes], data: dict[str, Any]) -> PackageFiles:
    """The files with course.yaml holding `data` (unchanged parts written as they were)."""
    text = files[MANIFEST].decode("utf-8")
    return {**files, MANIFEST: update_manifest(text, data).encode("utf-8")}


def course_languages(data: Mapping[str, Any]) -> list[str]:
    """The languages the course is complete in, English first."""
    listed = data.get("languages")
    listed = listed if isinstance(listed, list) else []
    return ["en"] + [code for code in LANGUAGES if code in listed and code != "en"]


def lessons(files: Mapping[str, bytes]) -> list[LessonRow]:
    """The draft's lessons in order, with each language's title where the file exists."""
    rows = []
    for position, entry in enumerate(read_manifest(files)["lessons"], start=1):
        slug = entry["slug"]
        titles = {}
        for language in LANGUAGES:
            data = files.get(lesson_file(position, slug, language))
            if data is not None:
                titles[language] = split_title(data.decode("utf-8", "replace"))[0]
        minutes = entry.get("minutes")
        outcomes = entry.get("outcomes")
        rows.append(
            LessonRow(
                position,
                slug,
                tuple(str(code) for code in entry.get("standards") or ()),
                minutes if isinstance(minutes, int) and not isinstance(minutes, bool) else None,
                titles,
                tuple(str(ref) for ref in outcomes) if isinstance(outcomes, list) else (),
            )
        )
    return rows


def find_lesson(files: Mapping[str, bytes], slug: str) -> LessonRow | None:
    """One lesson of the draft by its slug."""
    return next((row for row in lessons(files) if row.slug == slug), None)


def lesson_text(files: Mapping[str, bytes], row: LessonRow, language: str) -> str | None:
    """A lesson's Markdown in a language (None: not written yet)."""
    data = files.get(row.file(language))
    return None if data is None else data.decode("utf-8", "replace")


def add_lesson(files: Mapping[str, bytes], slug: str, title: str) -> PackageFiles:
    """A new last lesson: its course.yaml entry (with the course's standard when it has only
    one) and its English file holding the title."""
    data = read_manifest(files)
    if not SLUG_RE.match(slug) or len(slug) > 64:
        raise StudioError(
            _("A lesson's short name uses lower-case letters, digits and hyphens (at most 64).")
        )
    if any(entry["slug"] == slug for entry in data["lessons"]):
        raise StudioError(_("This course already has a lesson %(slug)s.", slug=slug))
    title = " ".join(title.split())
    if not title:
        raise StudioError(_("Give the lesson a title."))
    course_standards = [str(code) for code in data.get("standards") or ()]
    # a course of one standard: the lesson serves it (nothing to choose)
    standards = course_standards if len(course_standards) == 1 else []
    data = {**data, "lessons": [*data["lessons"], {"slug": slug, "standards": standards}]}
    position = len(data["lessons"])
    changed = write_manifest(files, data)
    changed[lesson_file(position, slug, "en")] = f"# {title}\n".encode()
    return changed


def save_lesson(
    files: Mapping[str, bytes],
    slug: str,
    language: str,
    text: str,
    standards: list[str],
    minutes: int | None,
    outcomes: list[str] | None = None,
) -> PackageFiles:
    """A lesson's text in one language, its standards, minimum duration and learning-outcome
    references (None: kept as they are; checked by studio.outcome_fields). An empty text removes
    a translation (never the English text)."""
    row = find_lesson(files, slug)
    if row is None:
        raise StudioError(_("This lesson is no longer in the draft."))
    data = read_manifest(files)
    known = [str(code) for code in data.get("standards") or ()]
    unknown = [code for code in standards if code not in known]
    if unknown:
        raise StudioError(
            _("%(codes)s is not one of the course's standards.", codes=", ".join(unknown))
        )
    text = normalise(text)
    changed = dict(files)
    if not text.strip():
        if language == "en":
            raise StudioError(_("The English text cannot be empty: it is the reference."))
        changed.pop(row.file(language), None)
    else:
        problems = markdown_problems(text, files)
        if problems:
            raise StudioError(" ".join(problems))
        changed[row.file(language)] = text.encode("utf-8")
    entries = []
    for entry in data["lessons"]:
        if entry["slug"] == slug:
            entry = dict(entry)
            if set(entry.get("standards") or []) != set(standards):  # keep the author's order
                entry["standards"] = [code for code in known if code in standards]
            if minutes is None:
                entry.pop("minutes", None)
            else:
                entry["minutes"] = minutes
            if outcomes is not None and set(entry.get("outcomes") or []) != set(outcomes):
                if outcomes:
                    entry["outcomes"] = outcomes
                else:
                    entry.pop("outcomes", None)
        entries.append(entry)
    return write_manifest(changed, {**data, "lessons": entries})


def normalise(text: str) -> str:
    """A lesson text as stored: Unix line ends, no byte-order mark, one final line end."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return text.rstrip() + "\n" if text.strip() else ""


def markdown_problems(text: str, files: Mapping[str, bytes]) -> list[str]:
    """The loader's Markdown rules (courses.rendering.lint_markdown) and its image-file check,
    as messages in the author's language."""
    if len(text.encode("utf-8")) > MAX_LESSON_BYTES:
        return [_("This text is too long (at most %(kb)d KB).", kb=MAX_LESSON_BYTES // 1024)]
    problems = [_issue_message(issue) for issue in lint_markdown(text)]
    for number, line in enumerate(text.split("\n"), start=1):
        for image in _IMAGE_REF.findall(line):
            if ".." not in image and image not in files:
                problems.append(
                    _(
                        "Line %(line)d: the image %(src)s is not among this course's images "
                        "(upload it first).",
                        line=number,
                        src=image,
                    )
                )
    return problems


def _issue_message(issue: MarkdownIssue) -> str:
    line = issue.line or 1
    if issue.kind == "title":
        return _('Line %(line)d: a lesson begins with its title, as "# Title".', line=line)
    if issue.kind == "html":
        return _("Line %(line)d: raw HTML is not allowed; write Markdown.", line=line)
    if issue.kind == "script_url":
        return _(
            "Line %(line)d: a %(scheme)s address is not allowed; links are https:// addresses.",
            line=line,
            scheme=issue.subject,
        )
    if issue.kind == "alt":
        return _(
            "Line %(line)d: the image %(src)s needs a description: ![description](media/name.png).",
            line=line,
            src=issue.subject,
        )
    if issue.kind == "image":
        return _(
            "Line %(line)d: the image %(src)s is not one of this course's images (only images "
            "uploaded to the course, under media/, are shown).",
            line=line,
            src=issue.subject,
        )
    if issue.kind == "link":
        return _(
            "Line %(line)d: the link %(href)s must be an https:// address.",
            line=line,
            href=issue.subject,
        )
    return _("Line %(line)d: %(problem)s", line=line, problem=issue.message)


def move_lesson(files: Mapping[str, bytes], slug: str, step: int) -> PackageFiles:
    """A lesson one place earlier (step -1) or later (+1); its files and its neighbour's renamed."""
    data = read_manifest(files)
    entries = list(data["lessons"])
    index = next((i for i, entry in enumerate(entries) if entry["slug"] == slug), None)
    if index is None:
        raise StudioError(_("This lesson is no longer in the draft."))
    target = index + step
    if not 0 <= target < len(entries):
        return dict(files)
    entries[index], entries[target] = entries[target], entries[index]
    return _renumbered(files, data, entries)


def remove_lesson(files: Mapping[str, bytes], slug: str) -> PackageFiles:
    """A lesson removed with its files in every language; the lessons after it move up."""
    data = read_manifest(files)
    entries = [entry for entry in data["lessons"] if entry["slug"] != slug]
    if len(entries) == len(data["lessons"]):
        raise StudioError(_("This lesson is no longer in the draft."))
    return _renumbered(files, data, entries)


def _renumbered(
    files: Mapping[str, bytes], data: dict[str, Any], entries: list[dict[str, Any]]
) -> PackageFiles:
    """course.yaml with the lessons in a new order, and each lesson file named by its new place
    (a file whose number and slug match no lesson is left as it is: the loader reports it)."""
    old = {entry["slug"]: n for n, entry in enumerate(data["lessons"], start=1)}
    new = {entry["slug"]: n for n, entry in enumerate(entries, start=1)}
    changed: PackageFiles = {}
    for name, content in files.items():
        match = LESSON_FILE_RE.match(name.removeprefix("lessons/"))
        if name.startswith("lessons/") and match and old.get(match["slug"]) == int(match["nn"]):
            if match["slug"] in new:
                changed[lesson_file(new[match["slug"]], match["slug"], match["lang"])] = content
            continue  # a removed lesson's file
        changed[name] = content
    return write_manifest(changed, {**data, "lessons": entries})


def next_version(version: str) -> str:
    """The version after this one: its last number raised ("1.9" -> "1.10", "2" -> "3")."""
    match = re.match(r"^(.*?)(\d+)$", version)
    return f"{match[1]}{int(match[2]) + 1}" if match else f"{version}.1"


def save_details(files: Mapping[str, bytes], details: Mapping[str, Any]) -> PackageFiles:
    """The course's titles, summaries, languages, pass mark, validity, quiz settings and version
    (`details` as the course details form gives them, already checked)."""
    data = read_manifest(files)
    new = dict(data)
    for key in ("title", "summary"):
        new[key] = {
            code: text.strip()
            for code in LANGUAGES
            if (text := str(details[key].get(code) or "")).strip()
        }
    languages = [code for code in LANGUAGES if code in details["languages"]]
    if set(languages) != set(data.get("languages") or []):
        new["languages"] = languages
    for key in ("pass_mark", "validity_months"):
        new[key] = details[key]
    quiz = dict(data["quiz"]) if isinstance(data.get("quiz"), dict) else {}
    new["quiz"] = {**quiz, **details["quiz"]}
    new["version"] = details["version"]
    return write_manifest(files, new)
