"""Comparing two versions of a package: lesson texts line by line, questions by their id."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from studio.package_zip import PackageFiles


@dataclass(frozen=True)
class FileDiff:
    """A text file of the package that differs: its unified diff (empty when added/removed)."""

    path: str
    status: str  # "added", "removed" or "changed"
    lines: tuple[str, ...] = ()


@dataclass
class Comparison:
    """What changed from one package to another."""

    files: list[FileDiff] = field(default_factory=list)  # course.yaml, lessons, own catalog
    questions_added: list[str] = field(default_factory=list)
    questions_changed: list[str] = field(default_factory=list)
    questions_removed: list[str] = field(default_factory=list)
    media_changed: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.files
            or self.questions_added
            or self.questions_changed
            or self.questions_removed
            or self.media_changed
        )


def compare(old: PackageFiles, new: PackageFiles) -> Comparison:
    """The differences from `old` to `new`."""
    result = Comparison()
    texts = sorted(
        name
        for name in old.keys() | new.keys()
        if name in ("course.yaml", "standards.yaml") or name.startswith(("lessons/", "rubrics/"))
    )
    for name in texts:
        diff = _file_diff(name, old.get(name), new.get(name))
        if diff is not None:
            result.files.append(diff)
    result.media_changed = sorted(
        name
        for name in old.keys() | new.keys()
        if name.startswith("media/") and old.get(name) != new.get(name)
    )
    before, after = _questions(old), _questions(new)
    result.questions_added = [qid for qid in after if qid not in before]
    result.questions_removed = [qid for qid in before if qid not in after]
    result.questions_changed = [qid for qid in after if qid in before and before[qid] != after[qid]]
    return result


def _file_diff(name: str, old: bytes | None, new: bytes | None) -> FileDiff | None:
    if old == new:
        return None
    if old is None:
        return FileDiff(name, "added")
    if new is None:
        return FileDiff(name, "removed")
    lines = difflib.unified_diff(
        old.decode("utf-8").splitlines(),
        new.decode("utf-8").splitlines(),
        fromfile=name,
        tofile=name,
        lineterm="",
        n=2,
    )
    return FileDiff(name, "changed", tuple(lines)[2:])  # without the two file header lines


def _questions(files: Mapping[str, bytes]) -> dict[str, Any]:
    """The questions of a package by id (in file order); none when the bank cannot be read."""
    try:
        data = yaml.safe_load(files.get("questions.yaml", b"").decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        return {}
    items = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return {}
    return {str(item["id"]): item for item in items if isinstance(item, dict) and item.get("id")}
