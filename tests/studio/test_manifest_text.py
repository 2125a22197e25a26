"""course.yaml written back by the studio: unchanged parts stay as the author wrote them; the
loader's `minutes` of a lesson."""

from __future__ import annotations

import copy

import pytest
import yaml

from assessments.catalog import load_rubrics, load_standards
from lms.yamlfile import PackageError
from studio.loader import CATALOG_DIR, read_package
from studio.manifest_text import dump, update_manifest
from tests.courses.factories import edit_yaml, write_package

BUNDLED = sorted(CATALOG_DIR.glob("*/course.yaml"))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda path: path.parent.name)
def test_an_unchanged_course_yaml_is_returned_byte_for_byte(path):
    text = path.read_text(encoding="utf-8")
    assert update_manifest(text, yaml.safe_load(text)) == text


@pytest.mark.parametrize("path", BUNDLED, ids=lambda path: path.parent.name)
def test_a_change_rewrites_only_the_lines_that_hold_it(path):
    text = path.read_text(encoding="utf-8")
    data = copy.deepcopy(yaml.safe_load(text))
    data["lessons"][1]["minutes"] = 45
    data["title"]["fr"] = "Titre d'essai : deux"
    data["quiz"]["max_attempts"] = 4
    data["lessons"].insert(0, data["lessons"].pop(2))
    result = update_manifest(text, data)
    assert yaml.safe_load(result) == data
    old_lines, new_lines = text.splitlines(), result.splitlines()
    assert len(new_lines) == len(old_lines) + 1  # the minutes line
    title_fr = next(line for line in old_lines[old_lines.index("title:") :] if "  fr:" in line)
    attempts = next(line for line in old_lines if line.startswith("  max_attempts:"))
    assert set(old_lines) - set(new_lines) == {title_fr, attempts}
    # comments after the lessons' slugs stay with their lessons
    moved = next(line for line in old_lines if f"slug: {data['lessons'][0]['slug']}" in line)
    assert new_lines[new_lines.index("lessons:") + 1] == moved


def test_a_layout_it_does_not_follow_is_written_whole_and_still_reads_back():
    text = "{slug: x, version: '1', lessons: [{slug: a}]}\n"
    data = {"slug": "x", "version": "2", "lessons": [{"slug": "a", "minutes": 5}]}
    result = update_manifest(text, data)
    assert yaml.safe_load(result) == data and result == dump(data)


def test_minutes_are_read_and_checked_and_are_not_part_of_a_lessons_identity(tmp_path):
    standards = load_standards()
    rubrics = load_rubrics(standards)
    path = write_package(tmp_path / "a")
    before = read_package(path, standards, rubrics)
    edit_yaml(path / "course.yaml", lambda data: data["lessons"][0].update(minutes=45))
    after = read_package(path, standards, rubrics)
    assert (before.lessons[0].minutes, after.lessons[0].minutes) == (None, 45)
    assert after.lessons[0].content_hash == before.lessons[0].content_hash
    edit_yaml(path / "course.yaml", lambda data: data["lessons"][0].update(minutes=0))
    with pytest.raises(PackageError, match="'minutes' must be a whole number from 1 to 1440"):
        read_package(path, standards, rubrics)
