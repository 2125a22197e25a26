"""The package loader: the bundled catalog is valid; broken packages are refused whole and clearly."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from courses.models import Course, CourseVersion, Lesson
from lms.yamlfile import PackageError
from studio.loader import read_catalog
from tests.courses.factories import edit_yaml, question, write_package


def _refusal(path) -> list[str]:
    with pytest.raises(PackageError) as caught:
        read_catalog(path)
    return [str(problem) for problem in caught.value.problems]


def test_bundled_catalog_is_valid_and_substantive():
    packages = {package.slug: package for package in read_catalog()}
    assert set(packages) == {"strategic-communication", "sea-zero-tolerance", "safety-security"}
    for package in packages.values():
        assert len(package.lessons) >= 5
        assert len(package.questions) >= 30
        assert {"en", "fr", "zh"} <= set(package.languages)
        scenarios = 0
        for lesson in package.lessons:
            english = lesson.sources["en"]
            assert 400 <= english.words <= 900, (package.slug, lesson.slug, english.words)
            assert "## Key points" in english.body and "## Sources" in english.body, lesson.slug
            assert set(package.languages) <= set(lesson.sources), lesson.slug
            scenarios += len(re.findall(r"^## Scenario:", english.body, flags=re.M))
        assert scenarios >= 2, package.slug
        for code in package.standards:
            assert any(q.standard == code for q in package.questions), code
    assert "ar" in packages["sea-zero-tolerance"].languages


def test_a_valid_package_loads(tmp_path):
    write_package(tmp_path)
    [package] = read_catalog(tmp_path)
    assert package.slug == "mini-course" and len(package.lessons) == 2


def test_bad_yaml_names_file_and_line(tmp_path):
    path = write_package(tmp_path)
    (path / "course.yaml").write_text(
        "slug: mini-course\nversion: [1.0\nlanguages: [en]\n", encoding="utf-8"
    )
    [problem] = _refusal(tmp_path)
    assert re.search(r"mini-course/course\.yaml:\d+: invalid YAML", problem)


def test_missing_lesson_file_is_named(tmp_path):
    path = write_package(tmp_path)
    (path / "lessons" / "02-second-steps.fr.md").unlink()
    problems = _refusal(tmp_path)
    assert any("02-second-steps.fr.md" in p and "missing" in p for p in problems)


def test_unknown_language_in_manifest_and_file_name(tmp_path):
    path = write_package(tmp_path)
    edit_yaml(path / "course.yaml", lambda data: data["languages"].append("tlh"))
    (path / "lessons" / "01-first-steps.tlh.md").write_text("# Qapla\n", encoding="utf-8")
    problems = _refusal(tmp_path)
    assert any("course.yaml" in p and "unknown language 'tlh'" in p for p in problems)
    assert any("01-first-steps.tlh.md" in p and "unknown language" in p for p in problems)


def test_duplicate_slug_across_packages(tmp_path):
    write_package(tmp_path, folder="first")
    write_package(tmp_path, folder="second")
    problems = _refusal(tmp_path)
    assert any("second/course.yaml" in p and "duplicate slug 'mini-course'" in p for p in problems)


def test_unknown_standard_code(tmp_path):
    path = write_package(tmp_path)
    edit_yaml(path / "course.yaml", lambda data: data["standards"].append("SEA-99"))
    problems = _refusal(tmp_path)
    assert any("course.yaml" in p and "unknown standard code 'SEA-99'" in p for p in problems)


def test_image_without_alt_text_and_raw_html_are_refused_with_lines(tmp_path):
    path = write_package(tmp_path)
    lesson = path / "lessons" / "01-first-steps.en.md"
    lesson.write_text(
        "# Title\n\nText.\n\n![](media/map.svg)\n\n<script>alert(1)</script>\n", encoding="utf-8"
    )
    problems = _refusal(tmp_path)
    assert any(
        re.search(r"01-first-steps\.en\.md:5: image 'media/map.svg' has no alt text", p)
        for p in problems
    )
    assert any(re.search(r"01-first-steps\.en\.md:7: raw HTML is not allowed", p) for p in problems)
    assert any("does not exist in the package" in p for p in problems)


def test_question_bank_errors(tmp_path):
    path = write_package(tmp_path)

    def break_questions(data):
        data["questions"][0]["standard"] = "SAF-1"
        data["questions"][1]["options"][0]["correct"] = False
        data["questions"][2]["id"] = "q4"
        del data["questions"][3]["text"]["fr"]

    edit_yaml(path / "questions.yaml", break_questions)
    problems = _refusal(tmp_path)
    assert any("q1: unknown standard code 'SAF-1'" in p for p in problems)
    assert any("q2: no correct option" in p for p in problems)
    assert any("duplicate question id 'q4'" in p for p in problems)
    assert any("q4 text: missing 'fr' translation" in p for p in problems)
    assert all(re.search(r"questions\.yaml:\d+:", p) for p in problems if "standard SEA" not in p)


def test_too_few_questions_for_the_quiz(tmp_path):
    path = write_package(tmp_path)
    edit_yaml(
        path / "questions.yaml",
        lambda data: data.update(questions=[question("q1", "SEA-1"), question("q2", "SEA-1")]),
    )
    problems = _refusal(tmp_path)
    assert any("standard SEA-2 has 0 questions; the quiz draws 8" in p for p in problems)


def test_cli_refuses_a_broken_package_and_writes_nothing(app, tmp_path, db_session):
    good = write_package(tmp_path, folder="good-course", slug="good-course")
    broken = write_package(tmp_path, folder="broken-course", slug="broken-course")
    (broken / "lessons" / "01-first-steps.en.md").unlink()
    before = db_session.scalar(select(func.count(Course.id)))
    result = app.test_cli_runner().invoke(args=["courses", "load", str(tmp_path)])
    assert result.exit_code == 1
    assert "Refused; nothing was loaded" in result.output
    assert "01-first-steps.en.md" in result.output
    assert db_session.scalar(select(func.count(Course.id))) == before
    assert good.exists()


def test_load_is_idempotent_and_records_versions(app, tmp_path, db_session):
    write_package(tmp_path)
    runner = app.test_cli_runner()
    assert (
        "Courses added: mini-course 1.0"
        in runner.invoke(args=["courses", "load", str(tmp_path)]).output
    )
    assert (
        "Courses unchanged: mini-course"
        in runner.invoke(args=["courses", "load", str(tmp_path)]).output
    )
    course = db_session.scalars(select(Course).where(Course.slug == "mini-course")).one()
    versions = db_session.scalars(
        select(CourseVersion.version).where(CourseVersion.course_id == course.id)
    ).all()
    assert versions == ["1.0"]
    assert (
        db_session.scalar(select(func.count(Lesson.id)).where(Lesson.course_id == course.id)) == 2
    )


def test_changed_content_without_a_new_version_is_refused(app, tmp_path):
    path = write_package(tmp_path)
    runner = app.test_cli_runner()
    runner.invoke(args=["courses", "load", str(tmp_path)])
    (path / "lessons" / "01-first-steps.en.md").write_text(
        "# Changed\n\nNew text.\n", encoding="utf-8"
    )
    result = runner.invoke(args=["courses", "load", str(tmp_path)])
    assert result.exit_code == 1 and "raise the version" in result.output


def test_a_changed_standard_needs_a_new_version_and_keeps_the_old_one(app, load_course, db_session):
    from dataclasses import replace

    from assessments.catalog import load_standards
    from assessments.models import Standard
    from lms.db import db
    from studio.sync import LoadReport, sync_standards

    load_course()
    specs = load_standards()
    with app.app_context():
        with pytest.raises(PackageError) as caught:
            sync_standards(
                {**specs, "SEA-1": replace(specs["SEA-1"], mastery_threshold=90)}, LoadReport()
            )
        assert "standard SEA-1 changed but its version is still 1; raise it" in str(caught.value)
        report = LoadReport()
        sync_standards(
            {**specs, "SEA-1": replace(specs["SEA-1"], mastery_threshold=90, version=2)}, report
        )
        assert report.standards_added == ["SEA-1 v2"]
        rows = db.session.scalars(
            select(Standard).where(Standard.code == "SEA-1").order_by(Standard.version)
        ).all()
        assert [(r.version, r.mastery_threshold, r.is_current) for r in rows] == [
            (1, 80, False),
            (2, 90, True),
        ]


def test_a_new_translation_of_a_standard_or_rubric_is_taken_in_place(app, load_course, db_session):
    """Translations are not meaning: adding or correcting one keeps the version and updates the
    texts; the English text is the meaning, and changing it still needs a new version."""
    from dataclasses import replace

    from assessments.catalog import load_rubrics, load_standards
    from assessments.models import Rubric, Standard
    from lms.db import db
    from studio.sync import LoadReport, sync_rubrics, sync_standards

    load_course()
    specs = load_standards()
    rubrics = load_rubrics(specs)
    sea1 = specs["SEA-1"]
    rubric = rubrics["SEA-P1"]
    with app.app_context():
        report = LoadReport()
        retitled = {**sea1.title, "fr": "Définitions, tolérance zéro"}
        sync_standards({**specs, "SEA-1": replace(sea1, title=retitled)}, report)
        reworded = {**rubric.instructions, "fr": "Nouvelle consigne."}
        sync_rubrics({**rubrics, "SEA-P1": replace(rubric, instructions=reworded)})
        db.session.flush()
        assert report.standards_added == []
        row = db.session.scalars(select(Standard).where(Standard.code == "SEA-1")).one()
        assert (row.version, row.title["fr"]) == (1, "Définitions, tolérance zéro")
        rubric_row = db.session.scalars(
            select(Rubric).where(Rubric.code == "SEA-P1", Rubric.is_current)
        ).one()
        assert rubric_row.instructions["fr"] == "Nouvelle consigne."
        english = {**sea1.title, "en": "Definitions only"}
        with pytest.raises(PackageError) as caught:
            sync_standards({**specs, "SEA-1": replace(sea1, title=english)}, LoadReport())
        assert "standard SEA-1 changed but its version is still 1; raise it" in str(caught.value)
        db.session.rollback()


def test_a_new_translation_of_a_question_keeps_its_row_and_a_new_meaning_adds_one(
    load_course, db_session
):
    """A question's identity is its meaning (English texts, answer key): correcting the French
    updates the same row; rewording the English retires it for a new one."""
    from assessments.models import Question
    from tests.courses.factories import edit_yaml

    load_course()
    before = db_session.scalars(select(Question).where(Question.qid == "q1")).one()
    row_id, digest = before.id, before.content_hash

    def retranslate(path):
        edit_yaml(path / "questions.yaml", lambda d: d["questions"][0]["text"].update(fr="Corrigé"))

    load_course(version="1.1", change=retranslate)
    db_session.expire_all()
    rows = db_session.scalars(select(Question).where(Question.qid == "q1")).all()
    assert [(r.id, r.content_hash, r.content["text"]["fr"]) for r in rows] == [
        (row_id, digest, "Corrigé")
    ]

    def reword(path):
        retranslate(path)
        edit_yaml(path / "questions.yaml", lambda d: d["questions"][0]["text"].update(en="New"))

    load_course(version="1.2", change=reword)
    db_session.expire_all()
    rows = db_session.scalars(
        select(Question).where(Question.qid == "q1").order_by(Question.id)
    ).all()
    assert [(r.id == row_id, r.is_current) for r in rows] == [(True, False), (False, True)]


@pytest.mark.parametrize("count", [2, 6])
def test_a_choice_question_has_three_to_five_options(tmp_path, count):
    path = write_package(tmp_path)

    def options(data):
        data["questions"][0]["options"] = [
            {
                "id": oid,
                "text": {"en": f"Option {oid}", "fr": f"Option {oid}"},
                "correct": oid == "a",
            }
            for oid in "abcdef"[:count]
        ]

    edit_yaml(path / "questions.yaml", options)
    assert any("q1: needs between 3 and 5 options" in p for p in _refusal(tmp_path))
