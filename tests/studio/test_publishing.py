"""Drafts, publication, history and comparison, through the author's pages."""

from __future__ import annotations

import re

import pytest
import yaml
from sqlalchemy import event, select, text

from courses.models import Course, Lesson, LessonProgress
from lms import scope
from lms.db import db
from studio import drafts
from studio.models import CourseDraft, PublishedVersion, PublishedVersionChanged
from studio.package_zip import pack, unpack_trusted
from tests.conftest import TEST_SECRET
from tests.helpers import complete_every_lesson, sign_in, submit, table_counts
from tests.studio.factories import changed, package_files, publish_course, upload

PAGE = "/studio/courses/centre-course"


@pytest.fixture
def draft(app, db_session, author, tmp_path):
    """A draft of the author's centre, never published."""
    with app.test_request_context():
        scope.enter(db.session, author.centre_id)
        made = drafts.create_draft(
            "centre-course", package_files(tmp_path), db.session.merge(author), "test"
        )
        db.session.commit()
        return made.id


def _publish(client):
    """Press "Check and publish" on the course page as it is now."""
    page = client.get(PAGE).get_data(as_text=True)
    revision = re.search(r'name="revision" type="hidden" value="(\d+)"', page)
    assert revision, page
    return submit(client, PAGE, {"revision": revision.group(1)}, action=f"{PAGE}/publish")


def _version_2(files):
    files = changed(files, "course.yaml", "version: '1.0'", "version: '2.0'")
    return changed(
        files, "lessons/02-second-steps.en.md", "explains one idea", "explains two ideas"
    )


def test_publishing_loads_the_course_for_the_centre_and_keeps_the_package(
    client, db_session, draft, author
):
    response = _publish(client)
    assert response.status_code == 302
    course = db_session.scalars(select(Course).where(Course.slug == "centre-course")).one()
    assert course.centre_id == author.centre_id and course.version == "1.0"
    version = db_session.scalars(select(PublishedVersion)).one()
    stored = db_session.get(CourseDraft, draft)
    assert (version.number, version.version, version.published_by_id) == (1, "1.0", author.id)
    assert version.package == stored.package and stored.course_id == course.id
    assert stored.revision == 1  # publishing saves nothing in the draft
    page = client.get(PAGE).get_data(as_text=True)
    assert "Amina Author" in page and "Same as the latest published version" in page


def test_the_validators_report_names_file_and_line_and_nothing_is_written(
    client, db_session, draft, tmp_path
):
    files = package_files(tmp_path)
    files = changed(files, "questions.yaml", "correct: true", "correct: false")  # c01 has none
    files = changed(files, "course.yaml", "- SEA-2", "- SEA-99")  # the second lesson's
    with db_session.begin_nested():
        row = db_session.get(CourseDraft, draft)
        row.package = pack(files)
    db_session.commit()
    before = table_counts(db_session)
    response = _publish(client)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "nothing was written" in body
    assert (
        "<code>course.yaml</code></td><td>8</td><td>lesson &#39;second-steps&#39;: standard "
        "&#39;SEA-99&#39; is not one of the course&#39;s standards" in body
    )
    assert "<code>questions.yaml</code></td><td>2</td><td>q1: no correct option" in body
    assert table_counts(db_session) == before


def test_publishing_an_unchanged_draft_is_refused(client, draft):
    assert _publish(client).status_code == 302
    response = _publish(client)
    assert response.status_code == 400
    assert "Nothing changed since version 1.0" in response.get_data(as_text=True)


def test_a_new_version_keeps_the_progress_on_unchanged_lessons(
    app, client, db_session, draft, author, make_user, make_cohort, tmp_path
):
    assert _publish(client).status_code == 302
    course = db_session.scalars(select(Course).where(Course.slug == "centre-course")).one()
    trainee = make_user("trainee")
    complete_every_lesson(app, author, [trainee], course)
    files = _version_2(package_files(tmp_path))
    assert upload(client, PAGE, f"{PAGE}/draft", pack(files)).status_code == 302
    response = _publish(client)
    assert response.status_code == 302
    assert "second-steps" in client.get(PAGE).get_data(as_text=True)  # the changed lessons
    db_session.expire_all()
    lessons = {
        lesson.slug: lesson
        for lesson in db_session.scalars(select(Lesson).where(Lesson.course_id == course.id))
    }
    current = {lesson.id: lesson.content_hash for lesson in lessons.values()}
    rows = db_session.scalars(select(LessonProgress).where(LessonProgress.user_id == trainee.id))
    done = {row.lesson_id for row in rows if current[row.lesson_id] == row.content_hash}
    assert done == {lessons["first-steps"].id}  # the second lesson changed: to be done again
    history = client.get(PAGE).get_data(as_text=True)
    assert history.count("Amina Author") >= 2 and "2.0" in history


def test_content_changed_without_a_new_version_is_refused_by_the_loader(
    client, db_session, draft, tmp_path
):
    assert _publish(client).status_code == 302
    files = changed(package_files(tmp_path), "lessons/01-first-steps.en.md", "one idea", "an idea")
    assert upload(client, PAGE, f"{PAGE}/draft", pack(files)).status_code == 302
    response = _publish(client)
    assert response.status_code == 400
    assert "raise the version" in response.get_data(as_text=True)
    assert (
        db_session.scalar(select(PublishedVersion.number).order_by(PublishedVersion.number.desc()))
        == 1
    )


def test_a_stale_save_is_refused_with_both_versions(
    app, client, db_session, draft, make_user, tmp_path
):
    page = client.get(PAGE).get_data(as_text=True)
    assert 'name="revision" type="hidden" value="1"' in page
    other = app.test_client()
    colleague = make_user("admin", is_course_author=True, full_name="Chen Colleague")
    assert sign_in(other, colleague.sign_in_name, TEST_SECRET).status_code == 302
    theirs = changed(
        package_files(tmp_path), "lessons/01-first-steps.en.md", "one idea", "their idea"
    )
    assert upload(other, PAGE, f"{PAGE}/draft", pack(theirs)).status_code == 302
    mine = changed(package_files(tmp_path), "lessons/01-first-steps.en.md", "one idea", "my idea")
    response = upload(client, PAGE, f"{PAGE}/draft", pack(mine), revision="1")
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "changed by Chen Colleague since you opened it" in body
    assert "-This is lesson 1 of the test course. It explains their idea" in body
    assert "+This is lesson 1 of the test course. It explains my idea" in body
    db_session.expire_all()
    stored = db_session.get(CourseDraft, draft)
    assert stored.revision == 2
    assert b"their idea" in unpack_trusted(stored.package)["lessons/01-first-steps.en.md"]


def test_a_stale_publish_is_refused(app, client, db_session, draft, make_user, tmp_path):
    token_page = client.get(PAGE)
    assert token_page.status_code == 200
    with db_session.begin_nested():
        db_session.get(CourseDraft, draft).revision = 5
    db_session.commit()
    response = submit(client, PAGE, {"revision": "1"}, action=f"{PAGE}/publish")
    assert response.status_code == 409
    assert db_session.scalars(select(PublishedVersion)).all() == []


def test_a_save_racing_another_is_refused_by_the_revision_in_the_update(
    app, db_session, draft, author, connection, tmp_path
):
    with app.test_request_context():
        scope.enter(db.session, author.centre_id)
        row = drafts.get_draft("centre-course")
        assert row is not None and row.revision == 1
        # Another request saves between this one's read and its write.
        db.session.execute(text("UPDATE course_drafts SET revision = 2"))
        files = changed(package_files(tmp_path), "lessons/01-first-steps.en.md", "one idea", "x")
        with pytest.raises(drafts.StaleDraft):
            drafts.save_draft(row, files, 1, db.session.merge(author), "test")


def test_a_published_version_cannot_be_changed(app, db_session, author, tmp_path, client):
    _draft_id, version_id = publish_course(app, author, package_files(tmp_path))
    version = db_session.get(PublishedVersion, version_id)
    version.version = "9.9"
    with pytest.raises(PublishedVersionChanged):
        db_session.flush()
    db_session.rollback()
    url = f"{PAGE}/versions/1.zip"
    assert client.get(url).status_code == 200
    for method in ("post", "put", "delete"):
        assert getattr(client, method)(url).status_code == 405


def test_history_and_comparison_of_two_versions(app, client, author, tmp_path):
    files = package_files(tmp_path)
    publish_course(app, author, files)
    new = _version_2(files)
    new = changed(new, "questions.yaml", "Question q1 (en)", "Which question q1? (en)")
    assert upload(client, PAGE, f"{PAGE}/draft", pack(new)).status_code == 302
    assert _publish(client).status_code == 302
    body = client.get(f"{PAGE}/compare?old=1&new=2").get_data(as_text=True)
    assert "From Version 1.0 to Version 2.0" in body
    assert "lessons/02-second-steps.en.md" in body
    assert '<span class="del">-This is lesson 2 of the test course. It explains one idea' in body
    assert '<span class="add">+This is lesson 2 of the test course. It explains two ideas' in body
    assert "lessons/01-first-steps.en.md" not in body
    changed_questions = body.split('Changed</dt><dd dir="ltr">', 1)[1].split("<", 1)[0]
    assert changed_questions == "q1"
    assert client.get(f"{PAGE}/compare?old=1&new=7").status_code == 404
    assert client.get(f"{PAGE}/compare?old=x&new=draft").status_code == 404


def test_the_comparison_lists_questions_added_and_removed():
    from studio.compare import compare

    def bank(*ids: str) -> dict[str, bytes]:
        items = "".join(f"- id: {qid}\n  text: {{en: {qid}}}\n" for qid in ids)
        return {"questions.yaml": f"questions:\n{items}".encode()}

    result = compare(bank("q1", "q2"), bank("q2", "q3"))
    assert (result.questions_added, result.questions_removed, result.questions_changed) == (
        ["q3"],
        ["q1"],
        [],
    )


def _with_lessons(files, count):
    """The test package with its two lessons repeated under new names up to `count` lessons."""
    manifest = yaml.safe_load(files["course.yaml"])
    lessons = manifest["lessons"]
    grown_files = {name: data for name, data in files.items() if not name.startswith("lessons/")}
    grown = []
    for n in range(count):
        source = lessons[n % len(lessons)]
        slug = f"{source['slug']}-{n + 1}"
        grown.append({**source, "slug": slug})
        for language in ("en", "fr"):
            text = files[f"lessons/{n % len(lessons) + 1:02d}-{source['slug']}.{language}.md"]
            grown_files[f"lessons/{n + 1:02d}-{slug}.{language}.md"] = text.replace(
                b"\n", f" ({n + 1})\n".encode(), 1
            )
    manifest["lessons"] = grown
    grown_files["course.yaml"] = yaml.safe_dump(manifest, allow_unicode=True).encode()
    return grown_files


def test_a_publish_reads_nothing_per_lesson(app, connection, author, tmp_path):
    """A course of 12 lessons is published with as many SELECTs as one of 2 (issue 19: the
    40-lesson course publishes in under a second); only its new rows are written one by one."""
    counts = []
    for slug, lessons in (("two-lessons", 2), ("twelve-lessons", 12)):
        files = _with_lessons(package_files(tmp_path, slug=slug), lessons)
        reads: list[str] = []

        def record(conn, cursor, statement, *args, reads=reads):
            if statement.lstrip().upper().startswith("SELECT"):
                reads.append(statement)

        event.listen(connection, "before_cursor_execute", record)
        try:
            publish_course(app, author, files)
        finally:
            event.remove(connection, "before_cursor_execute", record)
        counts.append(len(reads))
    with app.app_context():
        scope.enter(db.session, author.centre_id)
        twelve = select(Lesson).join(Course).where(Course.slug == "twelve-lessons")
        assert len(db.session.scalars(twelve).all()) == 12
    assert counts[0] == counts[1], counts
