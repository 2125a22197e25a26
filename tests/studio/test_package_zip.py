"""Package ZIPs: written byte for byte the same way, and every unsafe upload refused."""

from __future__ import annotations

import io
import os
import stat
import zipfile

import pytest

from studio.loader import CATALOG_DIR
from studio.package_zip import Limits, ZipRefused, pack, read_folder, unpack
from tests.studio.factories import package_files

BUNDLED = sorted(path for path in CATALOG_DIR.iterdir() if (path / "course.yaml").is_file())


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def _refused(data: bytes, limits: Limits | None = None) -> list[tuple[str | None, str]]:
    with pytest.raises(ZipRefused) as caught:
        unpack(data, limits) if limits else unpack(data)
    return [(problem.name, str(problem.message)) for problem in caught.value.problems]


@pytest.fixture
def valid(tmp_path):
    return package_files(tmp_path)


@pytest.mark.parametrize("folder", BUNDLED, ids=lambda path: path.name)
def test_export_import_export_is_byte_for_byte_the_same(folder):
    exported = pack(read_folder(folder))
    again = pack(unpack(exported))
    assert again == exported
    assert unpack(exported) == read_folder(folder)


def test_the_zip_has_sorted_names_fixed_times_and_modes(valid):
    with zipfile.ZipFile(io.BytesIO(pack(valid))) as archive:
        infos = archive.infolist()
    assert [info.filename for info in infos] == sorted(valid)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}
    assert {info.create_system for info in infos} == {3}


def test_a_package_zipped_with_its_folder_is_read(valid):
    data = _zip([(f"my-course/{name}", content) for name, content in valid.items()])
    assert unpack(data) == valid


def test_not_a_zip():
    assert _refused(b"PK\x03\x04 not really") == [(None, "This is not a ZIP file.")]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../course.yaml", "climbs out"),
        ("lessons/../../etc/passwd", "climbs out"),
        ("/etc/passwd", "absolute path"),
        ("C:/Windows/win.ini", "absolute path"),
        ("lessons\\..\\x.md", "backslash"),
        ("notes.txt", "outside the package layout"),
        ("lessons/01-intro.en.txt", "outside the package layout"),
        ("media/script.js", "outside the package layout"),
        ("lessons/sub/01-x.en.md", "outside the package layout"),
        (".git/config", "outside the package layout"),
    ],
)
def test_paths_outside_the_package_are_refused(valid, name, message):
    problems = _refused(_zip([*valid.items(), (name, b"x")]))
    assert len(problems) == 1 and problems[0][0] == name
    assert message in problems[0][1]


def test_a_symbolic_link_is_refused(valid):
    link = zipfile.ZipInfo("media/logo.png")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    problems = _refused(_zip([*valid.items(), (link, b"/etc/passwd")]))
    assert problems == [("media/logo.png", "Symbolic links and special files are not accepted.")]


def test_duplicate_names_are_refused(valid):
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = _zip([*valid.items(), ("course.yaml", valid["course.yaml"])])
    problems = _refused(data)
    assert problems == [("course.yaml", "This file name appears twice in the ZIP.")]


def test_names_that_differ_only_in_case_are_duplicates(valid):
    problems = _refused(_zip([*valid.items(), ("lessons/01-FIRST-STEPS.en.md", b"# x")]))
    assert problems == [
        ("lessons/01-FIRST-STEPS.en.md", "This file name appears twice in the ZIP.")
    ]


def test_too_many_files_are_refused_before_reading(valid):
    problems = _refused(pack(valid), Limits(max_files=3))
    assert problems == [(None, "The ZIP holds more than 3 files.")]


def test_a_file_too_large_is_refused(valid):
    big = {**valid, "media/big.png": os.urandom(2**20 + 1)}
    problems = _refused(pack(big), Limits(max_file_bytes=2**20))
    assert problems == [("media/big.png", "This file is larger than 1 MB.")]


def test_a_zip_bomb_is_refused_by_its_ratio(valid):
    bomb = {**valid, "lessons/99-bomb.en.md": b" " * (3 * 1024 * 1024)}
    problems = _refused(pack(bomb))
    assert problems == [
        ("lessons/99-bomb.en.md", "This file expands too much to be a package file (a zip bomb?).")
    ]


def test_a_package_too_large_in_total_is_refused(valid):
    big = {**valid, "media/big.png": os.urandom(2**20)}
    problems = _refused(pack(big), Limits(max_total_bytes=2**20))
    assert problems == [(None, "The package is larger than 1 MB once uncompressed.")]


def test_sizes_that_the_directory_understates_are_caught_while_reading(valid):
    """A forged central directory says 10 bytes; the member inflates to far more."""
    data = bytearray(pack({**valid, "lessons/01-x.en.md": b"a" * 50_000}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("lessons/01-x.en.md")
    # Patch the uncompressed size in its central directory entry (offset 24 of the header).
    position = 0
    while True:
        position = data.find(b"PK\x01\x02", position)
        name_length = int.from_bytes(data[position + 28 : position + 30], "little")
        if data[position + 46 : position + 46 + name_length] == info.filename.encode():
            break
        position += 4
    data[position + 24 : position + 28] = (10).to_bytes(4, "little")
    problems = _refused(bytes(data))
    assert problems == [("lessons/01-x.en.md", "This file is damaged in the ZIP.")]


def test_text_that_is_not_utf8_is_refused(valid):
    latin = {**valid, "lessons/01-first-steps.fr.md": "# Leçon été".encode("latin-1")}
    problems = _refused(pack(latin))
    assert problems == [("lessons/01-first-steps.fr.md", "This file is not UTF-8 text.")]


def test_encrypted_members_are_refused(valid):
    data = bytearray(pack(valid))
    position = data.find(b"PK\x01\x02")
    data[position + 8] |= 0x1  # the general purpose flag's "encrypted" bit, central directory
    problems = _refused(bytes(data))
    assert problems[0][1] == "Encrypted files are not accepted."


def test_a_zip_without_course_yaml_is_refused(valid):
    del valid["course.yaml"]
    assert _refused(pack(valid)) == [(None, "The ZIP has no course.yaml.")]


def test_every_problem_is_reported_at_once(valid):
    problems = _refused(_zip([*valid.items(), ("../a", b""), ("/b", b""), ("c.exe", b"")]))
    assert [name for name, _ in problems] == ["../a", "/b", "c.exe"]
