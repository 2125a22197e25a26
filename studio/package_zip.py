"""Course packages as ZIP files: written deterministically, read defensively.

`pack` writes a package's files the same way every time (sorted names, fixed time stamps and
permissions, one compressor setting), so the same files give the same bytes: export, import and
export again is byte for byte the same file. `unpack` reads a ZIP that someone uploaded. It refuses,
before reading any content, what the central directory shows (too many files, paths that climb out
or are absolute, symbolic links and other special files, encrypted or oddly compressed members,
duplicate names, files outside the package layout, sizes and compression ratios of a zip bomb),
and then counts the bytes actually inflated, since the sizes in the directory are the sender's word.
Text files must be UTF-8.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

# A package's files by their path inside it ("course.yaml", "lessons/01-intro.en.md").
PackageFiles = dict[str, bytes]

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a ZIP can say: no time in the bytes
FILE_MODE = 0o100644  # a regular file, read-write for its owner, readable by all
UNIX = 3  # ZipInfo.create_system: the attributes are Unix modes
TEXT_SUFFIXES = (".yaml", ".md")
MEDIA_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg")
_PART = r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}"
LAYOUT = re.compile(
    rf"^(?:course\.yaml|questions\.yaml|standards\.yaml|translations\.yaml|lessons/{_PART}\.md"
    rf"|media/{_PART}\.(?:png|svg|jpe?g)|rubrics/{_PART}\.yaml)$"
)
FOLDERS = {"lessons/", "media/", "rubrics/"}
OUTSIDE_LAYOUT = _l(
    "This file is outside the package layout (course.yaml, questions.yaml, standards.yaml, "
    "translations.yaml, lessons/*.md, media/*.png, .svg or .jpg, rubrics/*.yaml)."
)


@dataclass(frozen=True)
class Limits:
    """What an uploaded package may hold (the 2025 CPTM in six languages fits in a tenth)."""

    max_files: int = 1_000
    max_file_bytes: int = 4 * 1024 * 1024
    max_total_bytes: int = 32 * 1024 * 1024
    max_ratio: int = 100  # uncompressed / compressed, for members above ratio_floor
    ratio_floor: int = 64 * 1024


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class ZipProblem:
    """One reason a ZIP is refused: the member it concerns (if any) and a translatable message."""

    name: str | None
    message: Any  # a lazy string: translated when shown


class ZipRefused(ValueError):
    """An uploaded ZIP refused whole; nothing of it was used."""

    def __init__(self, problems: list[ZipProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.name}: {p.message}" for p in problems))


def pack(files: Mapping[str, bytes]) -> bytes:
    """The package's files as a deterministic ZIP (same files, same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = UNIX
            info.external_attr = FILE_MODE << 16
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def unpack_trusted(data: bytes) -> PackageFiles:
    """The files of a ZIP this application wrote itself (a stored draft or version)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def unpack(data: bytes, limits: Limits = DEFAULT_LIMITS) -> PackageFiles:
    """The files of an uploaded package ZIP; ZipRefused with every reason when it is not safe."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise ZipRefused([ZipProblem(None, _l("This is not a ZIP file."))]) from None
    with archive:
        members = _check_directory(archive.infolist(), limits)
        return _read_members(archive, members, limits)


def _check_directory(
    infos: list[zipfile.ZipInfo], limits: Limits
) -> list[tuple[str, zipfile.ZipInfo]]:
    """Everything the central directory tells, before a byte is inflated."""
    if len(infos) > limits.max_files:
        raise ZipRefused(
            [ZipProblem(None, _l("The ZIP holds more than %(n)d files.", n=limits.max_files))]
        )
    problems: list[ZipProblem] = []
    files = [info for info in infos if not info.filename.endswith("/")]
    prefix = _common_folder(files)
    members, seen, total = [], set(), 0
    for info in infos:
        name = info.filename
        problem = _unsafe_name(name) or _unsafe_entry(info, limits)
        if problem is not None:
            problems.append(ZipProblem(name, problem))
            continue
        inner = name[len(prefix) :] if name.startswith(prefix) else name
        if name.endswith("/"):
            if inner and inner not in FOLDERS:
                problems.append(ZipProblem(name, _l("This folder is not part of a package.")))
            continue
        if not LAYOUT.match(inner):
            problems.append(
                ZipProblem(
                    name,
                    OUTSIDE_LAYOUT,
                )
            )
            continue
        if inner.casefold() in seen:
            problems.append(ZipProblem(name, _l("This file name appears twice in the ZIP.")))
            continue
        seen.add(inner.casefold())
        total += info.file_size
        members.append((inner, info))
    if total > limits.max_total_bytes:
        problems.append(ZipProblem(None, _too_large(limits)))
    if not problems and "course.yaml" not in seen:
        problems.append(ZipProblem(None, _l("The ZIP has no course.yaml.")))
    if problems:
        raise ZipRefused(problems)
    return members


def _common_folder(files: list[zipfile.ZipInfo]) -> str:
    """ "slug/" when every file sits in one folder (a package zipped with its folder), else ""."""
    tops = {info.filename.split("/", 1)[0] for info in files}
    if len(tops) != 1 or not all("/" in info.filename for info in files):
        return ""
    folder = tops.pop() + "/"
    return folder if any(info.filename == folder + "course.yaml" for info in files) else ""


def _unsafe_name(name: str) -> Any:
    if "\\" in name or any(ord(char) < 32 for char in name):
        return _l("The file name has a backslash or a control character.")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return _l("The file name is an absolute path.")
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        return _l("The file name climbs out of the package (../).")
    if "" in parts or "." in parts:
        return OUTSIDE_LAYOUT
    return None


def _unsafe_entry(info: zipfile.ZipInfo, limits: Limits) -> Any:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode) or (stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))):
        return _l("Symbolic links and special files are not accepted.")
    if info.flag_bits & 0x1:
        return _l("Encrypted files are not accepted.")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return _l("This file is compressed with a method other than Deflate.")
    if info.file_size > limits.max_file_bytes:
        return _l("This file is larger than %(mb)d MB.", mb=limits.max_file_bytes // 2**20)
    if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
        info.compress_size, 1
    ):
        return _l("This file expands too much to be a package file (a zip bomb?).")
    return None


def _too_large(limits: Limits) -> Any:
    return _l(
        "The package is larger than %(mb)d MB once uncompressed.",
        mb=limits.max_total_bytes // 2**20,
    )


def _read_members(
    archive: zipfile.ZipFile, members: list[tuple[str, zipfile.ZipInfo]], limits: Limits
) -> PackageFiles:
    """Inflate the members, counting what really comes out (the directory may lie)."""
    files: PackageFiles = {}
    problems: list[ZipProblem] = []
    total = 0
    for inner, info in members:
        try:
            data = _read_bounded(archive, info, min(limits.max_file_bytes, info.file_size))
        except _TooLarge:
            raise ZipRefused([ZipProblem(info.filename, _too_large(limits))]) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
            problems.append(ZipProblem(info.filename, _l("This file is damaged in the ZIP.")))
            continue
        total += len(data)
        if total > limits.max_total_bytes:
            raise ZipRefused([ZipProblem(None, _too_large(limits))])
        if inner.endswith(TEXT_SUFFIXES):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(ZipProblem(info.filename, _l("This file is not UTF-8 text.")))
                continue
        files[inner] = data
    if problems:
        raise ZipRefused(problems)
    return files


class _TooLarge(Exception):
    pass


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    chunks, size = [], 0
    with archive.open(info) as member:
        while chunk := member.read(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            chunks.append(chunk)
    return b"".join(chunks)


def read_folder(path: Path) -> PackageFiles:
    """A package folder's files (the bundled templates), by their path inside the package."""
    files = {}
    for name in ("course.yaml", "questions.yaml", "standards.yaml", "translations.yaml"):
        if (path / name).is_file():
            files[name] = (path / name).read_bytes()
    for folder in ("lessons", "media", "rubrics"):
        for item in sorted((path / folder).glob("*")):
            if item.is_file() and not item.is_symlink():
                files[f"{folder}/{item.name}"] = item.read_bytes()
    return files


def write_folder(files: Mapping[str, bytes], path: Path) -> None:
    """Write a package's (already checked) files under a folder."""
    for name, data in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
