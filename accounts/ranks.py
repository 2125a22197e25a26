"""Ranks in the reader's language: the vocabulary of accounts/ranks.yaml.

A roster's rank is free text, stored as entered (User.rank). `rank_label` gives it in a language
when the vocabulary knows the spelling, and as entered (trimmed) when it does not: an unknown rank
is never dropped. `rank_key` is what groups spellings of one rank ("Sgt", "Sergeant", "Sergent").
The vocabulary is read once per process, when the app is made (accounts.setup).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from lms.i18n import current_language
from lms.settings import LANGUAGES
from lms.yamlfile import FileProblem, PackageError, line_of, read_yaml

VOCABULARY = Path(__file__).with_name("ranks.yaml")
GROUPS = ("other_rank", "nco", "officer", "general_officer", "police")

# Letters that Arabic and Russian rosters write either way (after accents and tashkeel are gone).
_FOLD = str.maketrans({"ى": "ي", "ة": "ه", "ـ": None, "ё": "е"})


@dataclass(frozen=True)
class Rank:
    """One rank of the vocabulary: its key, group and label in each language."""

    key: str
    group: str
    labels: dict[str, str]

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels["en"]


def normalised(text: str) -> str:
    """A spelling reduced to what tells ranks apart: case, accents, Arabic hamza and tashkeel,
    spaces and punctuation ignored ("Lt-Col.", "lt col", "LTCOL" are one)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    text = unicodedata.normalize("NFC", text.translate(_FOLD))
    return "".join(c for c in text if c.isalnum())


@dataclass(frozen=True)
class Vocabulary:
    ranks: tuple[Rank, ...]
    spellings: dict[str, Rank]  # normalised spelling -> rank


def read_vocabulary(path: Path = VOCABULARY) -> Vocabulary:
    """Read and check a vocabulary: six labels per rank, a known group, no spelling of two ranks."""
    data = read_yaml(path)
    problems: list[FileProblem] = []
    ranks: list[Rank] = []
    spellings: dict[str, Rank] = {}
    for entry in (data or {}).get("ranks") or []:
        line = line_of(entry)
        key, group, labels = entry.get("key"), entry.get("group"), entry.get("labels") or {}
        missing = [language for language in LANGUAGES if not str(labels.get(language, "")).strip()]
        if not key or group not in GROUPS or missing:
            problems.append(
                FileProblem(path, line, f"rank {key!r}: group {group!r}, labels missing {missing}")
            )
            continue
        rank = Rank(str(key), str(group), {lang: str(labels[lang]) for lang in LANGUAGES})
        ranks.append(rank)
        for spelling in [*rank.labels.values(), *map(str, entry.get("spellings") or [])]:
            found = normalised(spelling)
            other = spellings.setdefault(found, rank) if found else None
            if other is not rank:
                owner = other.key if other else "nothing"
                problems.append(
                    FileProblem(path, line, f"rank {key!r}: {spelling!r} already names {owner}")
                )
    if problems:
        raise PackageError(problems)
    return Vocabulary(tuple(ranks), spellings)


@cache
def vocabulary() -> Vocabulary:
    """The bundled vocabulary, read once."""
    return read_vocabulary()


def rank_of(entered: str | None) -> Rank | None:
    """The rank a roster's text names, or None when the vocabulary does not know it."""
    return vocabulary().spellings.get(normalised(entered)) if entered else None


@lru_cache(maxsize=4096)
def _label(entered: str, language: str) -> str:
    rank = rank_of(entered)
    return rank.label(language) if rank is not None else entered.strip()


def rank_label(entered: str | None, language: str | None = None) -> str:
    """A roster's rank in the language (default: the reader's): its label when the vocabulary
    knows it, else as entered; "" for none. HTML shows it with dir="auto" (an unknown rank may
    be in another script than the page)."""
    if not entered or not entered.strip():
        return ""
    return _label(entered, language or current_language())


@lru_cache(maxsize=4096)
def rank_key(entered: str | None) -> str:
    """What groups spellings of one rank: the rank's key, or the normalised text of an unknown
    rank ("" for none)."""
    if not entered:
        return ""
    rank = rank_of(entered)
    return rank.key if rank is not None else "?" + normalised(entered)
