"""Translators' exchange files: a course's texts for one language as gettext PO (Babel's pofile).

Each item (studio.translations) is one message: `msgctxt` its id, `msgid` the English text,
`msgstr` the translation (empty when missing). A stale translation is marked fuzzy, with the English
it was made from as `#| msgid` when a published version still holds it. A PO file read back is
checked whole before anything is saved: a broken file, another language in its header, an id the
course does not have, a lesson that breaks the Markdown rules: nothing is written. Fuzzy entries and
empty translations are left out, as gettext's own tools do.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po
from flask_babel import gettext as _

from studio.translations import STALE, Change, DraftTexts, check_translation, short_hash

MAX_PO_BYTES = 8 * 1024 * 1024


def export_po(
    texts: DraftTexts,
    language: str,
    project: str,
    version: str,
    when: datetime,
    previous: Mapping[str, Mapping[str, str]] | None = None,
) -> bytes:
    """The course's texts for one language as a PO file. `previous` maps item id -> short hash ->
    the English text it hashes (from the published versions), for `#| msgid` on stale entries."""
    catalog = Catalog(
        locale=language,
        project=project,
        version=version,
        creation_date=when,
        revision_date=when,
        fuzzy=False,
        header_comment=f"# {project} {version}: texts to translate into {language}.\n"
        "# msgctxt is the text's id in the course package: keep it unchanged.",
    )
    for item in texts.items:
        if not item.source.strip():
            continue
        status = texts.status(item, language)
        question = texts.question_of(item)
        made_from = texts.sources.get(language, {}).get(item.id, "")
        old = (previous or {}).get(item.id, {}).get(made_from) if status == STALE else None
        catalog.add(
            item.source,
            item.texts.get(language, ""),
            context=item.id,
            auto_comments=[item.label, *([question.source] if question else [])],
            flags=("fuzzy",) if status == STALE else (),
            previous_id=(old,) if old else (),
        )
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, no_location=True, include_previous=True)
    return buffer.getvalue()


@dataclass
class PoImport:
    """What a PO file would change, or why it is refused (`problems`)."""

    changes: list[Change] = field(default_factory=list)
    report: list[tuple[str, str]] = field(default_factory=list)  # (item label, what happened)
    problems: list[str] = field(default_factory=list)
    unchanged: int = 0
    fuzzy: int = 0
    empty: int = 0


def read_translations(data: bytes, texts: DraftTexts, language: str, media: set[str]) -> PoImport:
    """The changes a translator's PO file makes to a draft's texts in `language`."""
    result = PoImport()
    if len(data) > MAX_PO_BYTES:
        result.problems.append(_("The file is too large (at most 8 MB)."))
        return result
    try:
        catalog = read_po(io.BytesIO(data), abort_invalid=True, charset="utf-8")
    except (PoFileError, UnicodeDecodeError, ValueError) as error:
        result.problems.append(_("This is not a readable PO file (%(error)s).", error=str(error)))
        return result
    found = str(catalog.locale) if catalog.locale is not None else ""
    # "fr_FR" or "zh_Hans" as a translator's tool may write it: the language is what counts
    if catalog.locale is None or catalog.locale.language != language:
        result.problems.append(
            _(
                "The file's Language header says %(found)s; this page imports %(language)s.",
                found=found or "-",
                language=language,
            )
        )
        return result
    for message in catalog:
        if not message.id:
            continue  # the header
        _read_message(result, texts, language, media, message)
    if result.problems:
        result.changes.clear()
        result.report.clear()
    return result


def _read_message(
    result: PoImport, texts: DraftTexts, language: str, media: set[str], message: object
) -> None:
    context = getattr(message, "context", None) or ""
    msgid, msgstr = getattr(message, "id", ""), getattr(message, "string", "")
    if not isinstance(msgid, str) or not isinstance(msgstr, str):
        result.problems.append(_("%(id)s: plural forms are not used.", id=context or msgid))
        return
    item = texts.item(context)
    if item is None:
        result.problems.append(_("%(id)s: the course has no such text.", id=context or "-"))
        return
    if getattr(message, "fuzzy", False):
        result.fuzzy += 1
        return
    if not msgstr.strip():
        result.empty += 1
        return
    problems = check_translation(item, msgstr, media)
    if problems:
        result.problems.extend(problems)
        return
    current = item.texts.get(language, "")
    was_stale = texts.status(item, language) == STALE
    same_text = msgstr.strip() == current.strip()
    same_source = msgid.strip() == item.source.strip()
    if same_text and (not was_stale or not same_source):
        result.unchanged += 1
        return
    if same_text:
        result.report.append((item.label, _("still right for the new English (no longer stale)")))
        result.changes.append(Change(item.id, language, None, item.source))
        return
    made_from = item.source if same_source else msgid
    what = _("translated") if not current.strip() else _("updated")
    if not same_source:
        what = _("%(what)s from an earlier English text (stays stale)", what=what)
    result.report.append((item.label, what))
    result.changes.append(Change(item.id, language, msgstr, made_from))


def previous_sources(texts: DraftTexts, older: list[DraftTexts]) -> dict[str, dict[str, str]]:
    """item id -> short hash -> the English text, over earlier versions of a course."""
    found: dict[str, dict[str, str]] = {}
    wanted = {item.id for item in texts.items}
    for version in older:
        for item in version.items:
            if item.id in wanted and item.source.strip():
                found.setdefault(item.id, {}).setdefault(short_hash(item.source), item.source)
    return found
