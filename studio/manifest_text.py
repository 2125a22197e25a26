"""course.yaml written back as text: only the parts whose value changed are written again.

Authors' course.yaml files are hand-written: comments after a lesson's slug, a chosen key order,
quoted or plain titles, `[en, fr]` lists. A save from the studio keeps every top-level entry, lesson
entry and key whose value did not change exactly as it was (comments included) and writes only the
changed ones, in the file's own layout (two-space indentation, short lists inline). A save that
changes nothing leaves the file byte for byte as it was. If the file's layout is one this module
does not follow, the whole file is written anew (PyYAML, in the given key order): the result is
always checked to read back as exactly the data meant.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_KEY = re.compile(r"^(?P<pad> *)(?P<key>[A-Za-z_][A-Za-z0-9_-]*)\s*:(?:\s|$)")


class _Unfollowed(ValueError):
    """A layout this module does not edit in place (the file is then written whole)."""


def update_manifest(text: str, data: dict[str, Any]) -> str:
    """The text of course.yaml holding `data`, changed only where `data` differs from `text`."""
    try:
        old = yaml.safe_load(text)
    except yaml.YAMLError:
        old = None
    if old == data:
        return text
    if isinstance(old, dict):
        try:
            edited = "".join(_edit_mapping(text.splitlines(keepends=True), 0, old, data))
            if yaml.safe_load(edited) == data:
                return edited
        except (_Unfollowed, yaml.YAMLError):
            pass
    return dump(data)


def dump(data: dict[str, Any]) -> str:
    """A whole course.yaml in the studio's layout."""
    return "".join(line for key, value in data.items() for line in _emit(key, value, 0))


def _is_filler(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _blocks(lines: list[str], indent: int) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Lines before the first key, and each key's lines (its value and what follows it)."""
    head: list[str] = []
    blocks: list[tuple[str, list[str]]] = []
    for line in lines:
        match = _KEY.match(line)
        if match and len(match["pad"]) == indent:
            blocks.append((match["key"], [line]))
        elif blocks and (
            _is_filler(line)
            or len(line) - len(line.lstrip(" ")) > indent
            or line[indent:].startswith("- ")
        ):
            blocks[-1][1].append(line)
        elif not blocks and _is_filler(line):
            head.append(line)
        else:
            raise _Unfollowed(line)
    return head, blocks


def _edit_mapping(
    lines: list[str], indent: int, old: dict[str, Any], new: dict[str, Any]
) -> list[str]:
    head, blocks = _blocks(lines, indent)
    if [key for key, _ in blocks] != list(old):
        raise _Unfollowed("keys")
    out = list(head)
    for key, block in blocks:
        if key not in new:
            continue
        if old[key] == new[key]:
            out.extend(block)
        else:
            out.extend(_edit_value(block, indent, key, old[key], new[key]))
    for key, value in new.items():
        if key not in old:
            out.extend(_emit(key, value, indent))
    return out


def _child_indent(lines: list[str]) -> int:
    for line in lines:
        if not _is_filler(line):
            return len(line) - len(line.lstrip(" "))
    raise _Unfollowed("empty block")


def _edit_value(block: list[str], indent: int, key: str, old: Any, new: Any) -> list[str]:
    first, rest = block[0], block[1:]
    opens_block = first.split("#", 1)[0].rstrip().endswith(":")
    if opens_block and isinstance(old, dict) and isinstance(new, dict) and old:
        return [first, *_edit_mapping(rest, _child_indent(rest), old, new)]
    if opens_block and _slugged(old) and _slugged(new) and old:
        return [first, *_edit_items(rest, old, new)]
    return _emit(key, new, indent)


def _slugged(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, dict) and isinstance(item.get("slug"), str) for item in value
    )


def _edit_items(
    lines: list[str], old: list[dict[str, Any]], new: list[dict[str, Any]]
) -> list[str]:
    """A list of entries with slugs (the lessons): unchanged entries kept as written, changed ones
    edited key by key, new ones written; in the new order."""
    indent = _child_indent(lines)
    items: list[list[str]] = []
    trailing: list[str] = []
    for line in lines:
        if line[indent:].startswith("- ") and len(line) - len(line.lstrip(" ")) == indent:
            items.append([line])
        elif items:
            items[-1].append(line)
        elif _is_filler(line):
            trailing.append(line)
        else:
            raise _Unfollowed(line)
    if len(items) != len(old) or len({item["slug"] for item in old}) != len(old):
        raise _Unfollowed("items")
    written = {entry["slug"]: (entry, item) for entry, item in zip(old, items, strict=True)}
    out = list(trailing)
    for entry in new:
        before = written.get(entry["slug"])
        if before is None:
            out.extend(_emit_item(entry, indent))
        elif before[0] == entry:
            out.extend(_ends_with_newline(before[1]))
        else:
            lines_as_mapping = [" " * (indent + 2) + before[1][0][indent + 2 :], *before[1][1:]]
            edited = _edit_mapping(lines_as_mapping, indent + 2, before[0], entry)
            edited[0] = " " * indent + "- " + edited[0][indent + 2 :]
            out.extend(_ends_with_newline(edited))
    return out


def _ends_with_newline(lines: list[str]) -> list[str]:
    if lines and not lines[-1].endswith("\n"):
        return [*lines[:-1], lines[-1] + "\n"]
    return lines


def _scalar(value: Any, style: str | None = None) -> str:
    """One value on one line: plain where YAML allows, else in double quotes."""
    text = yaml.safe_dump(
        value, allow_unicode=True, default_style=style, width=2**31, default_flow_style=True
    )
    text = text.removesuffix("\n").removesuffix("\n...").removesuffix("...").rstrip("\n")
    if style is None and isinstance(value, str) and (text[:1] == "'" or "\n" in text):
        return _scalar(value, '"')
    if "\n" in text:
        raise _Unfollowed("multi-line scalar")
    return text


def _emit(key: str, value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return [f"{pad}{key}: {{}}\n"]
        return [
            f"{pad}{key}:\n",
            *(line for k, v in value.items() for line in _emit(k, v, indent + 2)),
        ]
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            return [f"{pad}{key}: [{', '.join(_scalar(item) for item in value)}]\n"]
        return [
            f"{pad}{key}:\n",
            *(line for item in value for line in _emit_item(item, indent + 2)),
        ]
    return [f"{pad}{key}: {_scalar(value)}\n"]


def _emit_item(item: Any, indent: int) -> list[str]:
    if not isinstance(item, dict) or not item:
        return [f"{' ' * indent}- {_scalar(item)}\n"]
    lines = [line for key, value in item.items() for line in _emit(key, value, indent + 2)]
    lines[0] = " " * indent + "- " + lines[0][indent + 2 :]
    return lines
