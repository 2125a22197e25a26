"""A new course from nothing on the studio home: a minimal draft, or every problem next to its
field and nothing written."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from lms.audit import AuditEvent
from studio.models import CourseDraft
from studio.package_zip import unpack_trusted
from tests.helpers import csrf_token, table_counts
from tests.studio.factories import package_files, publish_course

PAGE = "/studio/new"


def post_new(client, **fields):
    data = {"csrf_token": csrf_token(client, PAGE), "slug": "field-first-aid", "title": "Field"}
    data |= {"standards": ["SAF-3"]} | fields
    return client.post(PAGE, data={k: v for k, v in data.items() if v is not None})


def test_the_home_links_to_the_new_course_form_with_the_un_standards(client, author):
    assert 'href="/studio/new"' in client.get("/studio/").get_data(as_text=True)
    body = client.get(PAGE).get_data(as_text=True)
    assert 'value="SEA-1"' in body and 'value="SAF-3"' in body


def test_a_new_course_is_a_minimal_audited_draft(client, db_session, author):
    response = post_new(client, title="  Buddy   first aid ", standards=["SAF-3", "SAF-4"])
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/studio/courses/field-first-aid")
    draft = db_session.scalars(
        select(CourseDraft).where(CourseDraft.slug == "field-first-aid")
    ).one()
    files = unpack_trusted(draft.package)
    assert sorted(files) == ["course.yaml", "questions.yaml"]
    data = yaml.safe_load(files["course.yaml"])
    assert data == {
        "slug": "field-first-aid",
        "version": "1.0",
        "languages": ["en"],
        "title": {"en": "Buddy first aid"},
        "summary": {},
        "standards": ["SAF-3", "SAF-4"],
        "pass_mark": 80,
        "validity_months": 36,
        "quiz": {
            "questions_per_standard": 8,  # the fewest the pass rule accepts for two standards
            "standard_threshold": 60,
            "time_limit_minutes": 30,
            "max_attempts": 3,
            "cooldown_hours": 24,
        },
        "lessons": [],
    }
    assert yaml.safe_load(files["questions.yaml"]) == {"questions": []}
    assert (draft.origin, draft.centre_id, draft.revision) == ("new", author.centre_id, 1)
    entry = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "course_draft.created")
    ).one()
    assert entry.actor_id == author.id and entry.details["origin"] == "new"
    # incomplete, and the publisher says what is missing
    course = client.get("/studio/courses/field-first-aid").get_data(as_text=True)
    assert "field-first-aid" in course
    token = csrf_token(client, "/studio/courses/field-first-aid")
    body = client.post(
        "/studio/courses/field-first-aid/publish", data={"csrf_token": token, "revision": "1"}
    ).get_data(as_text=True)
    assert "questions.yaml" in body and "course.yaml" in body


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"slug": "Field First"}, "slug", "Lower-case letters, digits and hyphens"),
        ({"slug": ""}, "slug", "This field is required."),
        ({"slug": "mini-course"}, "slug", "already used by another course"),
        ({"title": "  "}, "title", "This field is required."),
        ({"standards": None}, "standards", "Choose at least one standard."),
        ({"standards": ["NOPE-1"]}, "standards", "not a valid choice"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_written(
    client, db_session, author, fields, field, message
):
    before = table_counts(db_session)
    response = post_new(client, **fields)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in body
    assert f'id="{field}-error"' in body
    assert table_counts(db_session) == before


def test_a_slug_taken_by_another_centres_draft_is_refused(
    app, client, db_session, author, centre_b, tmp_path
):
    publish_course(
        app, centre_b["author"], package_files(tmp_path, "their-course"), centre_b["centre"].id
    )
    response = post_new(client, slug="their-course")
    assert response.status_code == 400
    assert "already used by another course" in response.get_data(as_text=True)


def test_the_errors_are_in_the_authors_language(client, db_session, login_as, course):
    login_as("trainer", is_course_author=True, preferred_language="fr")
    body = post_new(client, standards=None).get_data(as_text=True)
    assert "Choose at least one standard." not in body
    assert "Choisissez au moins une norme." in body


def test_only_course_authors_open_the_form(client, login_as, course):
    login_as("trainer")
    assert client.get(PAGE).status_code == 403


def test_the_new_courses_quiz_rule_passes_the_publishers_pass_rule():
    from studio.new_course import DEFAULTS, questions_drawn
    from studio.pass_rule import check_pass_rule

    assert [questions_drawn(n) for n in (1, 2, 3, 6)] == [15, 8, 5, 5]
    for standards in range(1, 8):
        drawn = questions_drawn(standards)
        rule = (DEFAULTS["quiz"]["standard_threshold"], DEFAULTS["pass_mark"])
        assert not check_pass_rule(standards, drawn, *rule).problems
        assert check_pass_rule(standards, drawn - 1, *rule).problems  # and no fewer


def test_a_lesson_added_to_a_course_of_one_standard_serves_it(client, db_session, author):
    post_new(client, standards=["SAF-3"])
    page = "/studio/courses/field-first-aid/lessons"
    body = client.get(page).get_data(as_text=True)
    revision = body.split('name="revision" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "revision": revision,
            "slug": "tourniquet",
            "title": "Tourniquet",
        },
    )
    assert response.status_code == 302
    draft = db_session.scalars(
        select(CourseDraft).where(CourseDraft.slug == "field-first-aid")
    ).one()
    db_session.refresh(draft)
    files = unpack_trusted(draft.package)
    assert yaml.safe_load(files["course.yaml"])["lessons"] == [
        {"slug": "tourniquet", "standards": ["SAF-3"]}
    ]
    assert files["lessons/01-tourniquet.en.md"] == b"# Tourniquet\n"
