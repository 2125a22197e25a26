"""Learning outcomes: the frameworks' files, references on lessons, questions, standards and rubric
criteria (refused with file and line when unknown), tags that keep content identity, and the
coverage page of a course's draft and versions."""

from __future__ import annotations

import re

import pytest
import yaml
from sqlalchemy import select

from accounts.models import User
from assessments.catalog import RUBRICS_DIR, STANDARDS_DIR, load_rubrics, load_standards
from assessments.frameworks import BUNDLED_DIR, current_frameworks, load_frameworks
from assessments.models import Question
from courses.models import Course, Lesson, LessonProgress
from lms.yamlfile import PackageError
from studio.coverage import read_coverage
from studio.loader import CATALOG_DIR, read_catalog, read_package
from studio.package_zip import PackageFiles, pack
from tests.courses.factories import edit_yaml, write_package
from tests.helpers import complete_every_lesson, sign_in
from tests.studio.factories import package_files, publish_course, upload

PAGE = "/studio/courses/centre-course"


def _tagged(files: PackageFiles, lessons: dict[str, list[str]], questions: dict[str, list[str]]):
    """The package with `outcomes:` on these lessons and questions, and its version raised."""
    manifest = yaml.safe_load(files["course.yaml"])
    manifest["version"] = str(float(manifest["version"]) + 1)
    for entry in manifest["lessons"]:
        if entry["slug"] in lessons:
            entry["outcomes"] = lessons[entry["slug"]]
    bank = yaml.safe_load(files["questions.yaml"])
    for item in bank["questions"]:
        if item["id"] in questions:
            item["outcomes"] = questions[item["id"]]
    return {
        **files,
        "course.yaml": yaml.safe_dump(manifest, allow_unicode=True).encode(),
        "questions.yaml": yaml.safe_dump(bank, allow_unicode=True).encode(),
    }


def _messages(error: PackageError) -> list[tuple[str, int | None, str]]:
    return [(p.path.name, p.line, p.message) for p in error.problems]


# --- the frameworks' files ---------------------------------------------------------------------


def test_the_bundled_frameworks_list_cptm_2017_lessons_with_their_outcomes():
    frameworks = load_frameworks()
    cptm = frameworks["CPTM-2017"]
    assert cptm.verified and [lesson.number for lesson in cptm.lessons] == [
        "1.1",
        "2.5",
        "3.3",
        "3.4",
        "3.7",
    ]
    sea = cptm.lesson("3.4")
    assert (
        sea is not None and sea.minutes == 60 and sea.title["en"] == "Sexual exploitation and abuse"
    )
    assert [o.id for o in sea.outcomes] == ["LO1", "LO2", "LO3", "LO4"]
    assert all(set(lesson.title) == {"en", "fr", "zh", "ar", "es", "ru"} for lesson in cptm.lessons)
    assert frameworks["CPTM-2025"].verified is False  # shipped as unverified, without outcomes


def test_a_centres_folder_adds_a_framework_and_replaces_a_bundled_edition(tmp_path):
    (tmp_path / "national.yaml").write_text(
        "framework: NPTC\nedition: '2024'\ntitle: {en: National curriculum}\nlessons:\n"
        "  - number: '7'\n    title: {en: Driving}\n    outcomes:\n"
        "      - {id: LO1, text: Reverse into a bay}\n",
        encoding="utf-8",
    )
    (tmp_path / "cptm-2025.yaml").write_text(
        "framework: CPTM\nedition: '2025'\ntitle: {en: CPTM 2025 (our copy)}\nlessons:\n"
        "  - number: '2.5'\n    title: {en: CRSV}\n    outcomes: [{id: LO1, text: Define CRSV}]\n",
        encoding="utf-8",
    )
    frameworks = load_frameworks(tmp_path)
    assert set(frameworks) == {"CPTM-2017", "CPTM-2025", "NPTC-2024"}
    assert frameworks["CPTM-2025"].verified and frameworks["CPTM-2025"].lesson("2.5").outcomes
    assert load_frameworks(tmp_path) is frameworks  # cached while the files do not change


def test_a_framework_file_with_duplicates_is_refused_with_file_and_line(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "framework: NPTC\nedition: '1'\ntitle: {en: Ours}\nlessons:\n"
        "  - number: '1'\n    title: {en: One}\n    outcomes:\n"
        "      - {id: LO1, text: A}\n      - {id: LO1, text: B}\n"
        "  - number: '1'\n    title: {en: Again}\n",
        encoding="utf-8",
    )
    (tmp_path / "bad-too.yaml").write_text(
        (tmp_path / "bad.yaml").read_text().replace("Ours", "Twice"), encoding="utf-8"
    )
    with pytest.raises(PackageError) as error:
        load_frameworks(tmp_path)
    messages = _messages(error.value)
    assert ("bad.yaml", 9, "lesson 1: duplicate outcome id LO1") in messages
    assert ("bad.yaml", 10, "duplicate lesson number 1") in messages
    assert any(
        m[0] == "bad.yaml" and m[2].startswith("duplicate framework NPTC-1") for m in messages
    )


def test_the_apps_setting_names_the_centres_folder(app, tmp_path):
    (tmp_path / "n.yaml").write_text(
        "framework: NPTC\nedition: '9'\ntitle: {en: N}\nlessons:\n  - number: '1'\n"
        "    title: {en: One}\n    outcomes: [{id: LO1, text: A}]\n",
        encoding="utf-8",
    )
    with app.app_context():
        assert "NPTC-9" not in current_frameworks()
    app.config["OUTCOME_FRAMEWORKS_FOLDER"] = str(tmp_path)
    with app.app_context():  # each request or command reads the folder once
        assert "NPTC-9" in current_frameworks()


# --- references in packages, standards and rubrics ---------------------------------------------


def test_the_loader_refuses_unknown_or_badly_written_references_with_file_and_line(tmp_path):
    path = write_package(tmp_path)

    def tag(data):
        data["lessons"][0]["outcomes"] = ["CPTM-2017 3.4 LO2", "CPTM-2017 3.4 LO9"]
        data["lessons"][1]["outcomes"] = ["CPTM 3.4 LO2", "CPTM-2017 9.9 LO1"]

    edit_yaml(path / "course.yaml", tag)
    edit_yaml(
        path / "questions.yaml",
        lambda data: data["questions"][0].update(outcomes=["XYZ-2001 1.1 LO1", "3.4 LO2"]),
    )
    with pytest.raises(PackageError) as error:
        read_package(path, *_catalog())
    messages = _messages(error.value)
    lesson_line = next(m[1] for m in messages if "first-steps" in m[2])
    assert lesson_line and lesson_line > 1
    assert (
        "course.yaml",
        lesson_line,
        "lesson 'first-steps': CPTM-2017 lesson 3.4 has no outcome 'LO9' (it has LO1, LO2, LO3, LO4)",
    ) in messages
    texts = "\n".join(m[2] for m in messages)
    assert "lesson 'second-steps': bad outcome reference 'CPTM 3.4 LO2'" in texts
    assert "CPTM-2017 has no lesson '9.9'" in texts
    assert (
        "questions.yaml",
        2,
        "q1: unknown framework 'XYZ-2001' in 'XYZ-2001 1.1 LO1' (known: CPTM-2017, CPTM-2025)",
    ) in messages
    assert "q1: bad outcome reference '3.4 LO2'; write it as FRAMEWORK-EDITION" in texts
    assert len(messages) == 5


def _catalog():
    standards = load_standards()
    return standards, load_rubrics(standards)


def test_standards_and_rubric_criteria_refuse_unknown_references(tmp_path):
    standards_dir, rubrics_dir = tmp_path / "standards", tmp_path / "rubrics"
    standards_dir.mkdir()
    rubrics_dir.mkdir()
    data = yaml.safe_load((STANDARDS_DIR / "sea.yaml").read_text(encoding="utf-8"))
    data["standards"][1]["outcomes"] = ["CPTM-2017 3.4 LO7"]
    (standards_dir / "sea.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(PackageError) as error:
        load_standards(standards_dir)
    assert [m[2] for m in _messages(error.value)] == [
        "SEA-2: CPTM-2017 lesson 3.4 has no outcome 'LO7' (it has LO1, LO2, LO3, LO4)"
    ]
    data = yaml.safe_load((RUBRICS_DIR / "SEA-P1.yaml").read_text(encoding="utf-8"))
    data["criteria"][2]["outcomes"] = ["CPTM-2017 3.4"]
    (rubrics_dir / "SEA-P1.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(PackageError) as error:
        load_rubrics(load_standards(), rubrics_dir)
    ((name, line, message),) = _messages(error.value)
    assert (
        name == "SEA-P1.yaml"
        and line
        and message.startswith("criterion c3: bad outcome reference 'CPTM-2017 3.4'")
    )


def test_the_bundled_courses_are_tagged_and_tags_do_not_change_content_hashes():
    packages = {package.slug: package for package in read_catalog(CATALOG_DIR)}
    sea = packages["sea-zero-tolerance"]
    assert all(lesson.outcomes for lesson in sea.lessons)
    assert sum(1 for q in sea.questions if q.outcomes) * 2 > len(sea.questions)
    for package in packages.values():
        for lesson in package.lessons:
            untagged = type(lesson)(lesson.position, lesson.slug, lesson.standards, lesson.sources)
            assert untagged.content_hash == lesson.content_hash
        for question in package.questions:
            untagged_q = type(question)(
                question.id, question.standard, question.kind, question.content
            )
            assert untagged_q.content_hash == question.content_hash


def test_retagging_a_published_course_keeps_the_trainees_lesson_completion(
    app, client, db_session, author, make_user, tmp_path
):
    files = package_files(tmp_path)
    publish_course(app, author, files)
    course = db_session.scalars(select(Course).where(Course.slug == "centre-course")).one()
    trainee = make_user("trainee")
    complete_every_lesson(app, author, [trainee], course)
    questions_before = {
        (q.id, q.qid, q.content_hash)
        for q in db_session.scalars(select(Question).where(Question.course_id == course.id))
    }
    tagged = _tagged(files, {"first-steps": ["CPTM-2017 3.4 LO1"]}, {"q1": ["CPTM-2017 3.4 LO2"]})
    assert upload(client, PAGE, f"{PAGE}/draft", pack(tagged)).status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    revision = re.search(r'name="revision" type="hidden" value="(\d+)"', page).group(1)
    from tests.helpers import submit

    response = submit(client, PAGE, {"revision": revision}, action=f"{PAGE}/publish")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db_session.expire_all()
    assert db_session.get(Course, course.id).version == "2.0"
    lessons = {
        lesson.id: lesson.content_hash
        for lesson in db_session.scalars(select(Lesson).where(Lesson.course_id == course.id))
    }
    rows = db_session.scalars(select(LessonProgress).where(LessonProgress.user_id == trainee.id))
    still_done = {row.lesson_id for row in rows if lessons[row.lesson_id] == row.content_hash}
    assert still_done == set(lessons) and len(lessons) == 2  # nothing to do again
    questions_after = db_session.scalars(
        select(Question).where(Question.course_id == course.id)
    ).all()
    assert {(q.id, q.qid, q.content_hash) for q in questions_after} == questions_before
    assert all(q.is_current for q in questions_after)


# --- the coverage page -------------------------------------------------------------------------


SMALL_TAGS = (
    {
        "first-steps": ["CPTM-2017 3.4 LO1", "CPTM-2017 3.4 LO2"],
        "second-steps": ["CPTM-2017 3.3 LO1"],
    },
    {
        "q1": ["CPTM-2017 3.4 LO2"],
        "q2": ["CPTM-2017 3.4 LO2", "CPTM-2017 3.4 LO3"],
        "q3": ["CPTM-2017 3.4 LO9"],
    },
)


def test_coverage_figures_of_a_small_course(app, tmp_path):
    files = _tagged(package_files(tmp_path), *SMALL_TAGS)
    with app.app_context():
        coverage = read_coverage(files, current_frameworks())
    assert [(g.framework.key, g.lesson.number) for g in coverage.groups] == [
        ("CPTM-2017", "3.3"),
        ("CPTM-2017", "3.4"),
    ]
    status = {row.reference: row.status for row in coverage.rows}
    assert status == {
        "CPTM-2017 3.3 LO1": "taught",
        "CPTM-2017 3.3 LO2": "neither",
        "CPTM-2017 3.3 LO3": "neither",
        "CPTM-2017 3.3 LO4": "neither",
        "CPTM-2017 3.4 LO1": "taught",
        "CPTM-2017 3.4 LO2": "both",
        "CPTM-2017 3.4 LO3": "assessed",
        "CPTM-2017 3.4 LO4": "neither",
    }
    assert coverage.counts == {"both": 1, "taught": 2, "assessed": 1, "neither": 4}
    lo2 = next(row for row in coverage.rows if row.reference == "CPTM-2017 3.4 LO2")
    assert [q.id for q in lo2.questions] == ["q1", "q2"] and [x.slug for x in lo2.lessons] == [
        "first-steps"
    ]
    assert coverage.unknown == [("q3", "CPTM-2017 3.4 LO9")]


def test_the_coverage_page_of_the_draft_and_of_a_version(app, client, db_session, author, tmp_path):
    files = package_files(tmp_path)
    publish_course(app, author, files)
    tagged = _tagged(files, *SMALL_TAGS)
    assert upload(client, PAGE, f"{PAGE}/draft", pack(tagged)).status_code == 400  # LO9: refused
    tagged = _tagged(files, SMALL_TAGS[0], {k: v for k, v in SMALL_TAGS[1].items() if k != "q3"})
    assert upload(client, PAGE, f"{PAGE}/draft", pack(tagged)).status_code == 302
    course_page = client.get(PAGE).get_data(as_text=True)
    assert (
        f'href="{PAGE}/coverage"' in course_page
        and f'href="{PAGE}/coverage?version=1"' in course_page
    )
    draft = client.get(f"{PAGE}/coverage")
    body = draft.get_data(as_text=True)
    assert draft.status_code == 200
    assert "Sexual exploitation and abuse" in body and "Conduct and discipline" in body
    assert re.search(r"Taught and assessed</span></td><td>1<", body)
    assert re.search(r"Neither taught nor assessed</span></td><td>4<", body)
    assert 'href="#lesson-first-steps"' in body and 'href="#question-q2"' in body
    assert 'id="lesson-first-steps"' in body and 'id="question-q2"' in body
    version = client.get(f"{PAGE}/coverage?version=1").get_data(as_text=True)
    # version 1 has no tags: only its standards' outcomes (SEA-1, SEA-2: CPTM 3.4), untaught
    assert re.search(r"Taught and assessed</span></td><td>0<", version)
    assert re.search(r"Neither taught nor assessed</span></td><td>4<", version)
    assert 'Standards: <span dir="ltr" class="ref">SEA-1, SEA-2</span>' in version
    assert client.get(f"{PAGE}/coverage?version=9").status_code == 404
    assert client.get(f"{PAGE}/coverage?version=x1").status_code == 404
    db_session.get(User, author.id).preferred_language = "fr"
    db_session.commit()
    french = client.get(f"{PAGE}/coverage").get_data(as_text=True)
    assert "Exploitation et atteintes sexuelles" in french and "Enseigné et évalué" in french


def test_the_coverage_page_is_for_the_centres_authors_only(
    app, client, db_session, author, centre_b, make_user, tmp_path
):
    publish_course(
        app, centre_b["author"], package_files(tmp_path, slug="b-course"), centre_b["centre"].id
    )
    assert client.get("/studio/courses/b-course/coverage").status_code == 404
    assert client.get("/studio/courses/b-course/coverage?version=1").status_code == 404
    from tests.conftest import TEST_SECRET

    other = app.test_client()
    trainer = make_user("trainer")
    assert sign_in(other, trainer.sign_in_name, TEST_SECRET).status_code == 302
    assert other.get("/studio/courses/b-course/coverage").status_code == 403
    assert app.test_client().get("/studio/courses/b-course/coverage").status_code == 302
    b_client = app.test_client()
    assert sign_in(b_client, centre_b["author"].sign_in_name, TEST_SECRET).status_code == 302
    assert b_client.get("/studio/courses/b-course/coverage").status_code == 200


def test_bundled_dir_is_where_the_docs_say():
    assert BUNDLED_DIR.parts[-2:] == ("courses", "frameworks")


def test_a_broken_framework_file_of_the_centre_is_reported_once_by_the_loader(app, tmp_path):
    folder = tmp_path / "frameworks"
    folder.mkdir()
    (folder / "broken.yaml").write_text("framework: NPTC\nedition: [\n", encoding="utf-8")
    path = write_package(tmp_path)
    edit_yaml(
        path / "questions.yaml",
        lambda data: [q.update(outcomes=["CPTM-2017 3.4 LO2"]) for q in data["questions"][:5]],
    )
    catalog = _catalog()
    app.config["OUTCOME_FRAMEWORKS_FOLDER"] = str(folder)
    with app.app_context(), pytest.raises(PackageError) as error:
        read_package(path, *catalog)
    broken = [m for m in _messages(error.value) if m[0] == "broken.yaml"]
    assert len(broken) == 1 and broken[0][2].startswith("invalid YAML")
