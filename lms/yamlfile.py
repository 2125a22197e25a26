"""YAML files read safely, with the line of every mapping kept for error messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class LineDict(dict[Any, Any]):
    """A mapping that remembers the line (1-based) where it starts in its file."""

    line: int = 0


# libyaml's parser when PyYAML was built with it (PyPI's wheels are): about 8x faster than the pure
# Python one on a question bank, with the same marks (lines) and the same safe constructors.
_SafeBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeBase):
    """A safe loader whose mappings are LineDicts."""


def _construct_line_dict(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_line_dict)


@dataclass(frozen=True)
class FileProblem:
    """One thing wrong with one file, at a line where it can be told."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class PackageError(ValueError):
    """A package refused whole, with every problem found."""

    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def read_yaml(path: Path) -> Any:
    """Parse a YAML file safely; a syntax error becomes a PackageError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PackageError([FileProblem(path, None, "file is missing")]) from None
    except UnicodeDecodeError as error:
        raise PackageError([FileProblem(path, None, f"not UTF-8 text ({error.reason})")]) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise PackageError([FileProblem(path, line, f"invalid YAML: {problem}")]) from None


def line_of(value: Any, default: int | None = None) -> int | None:
    """The line where a mapping started, if known."""
    return getattr(value, "line", default)
