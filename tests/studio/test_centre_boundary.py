"""An author of centre A neither sees nor touches centre B's drafts, versions and courses: every
studio route, walked with B's slug, by direct URL and forged form posts."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from courses.models import Course
from lms.access import audience_of
from studio.models import CourseDraft, PublishedVersion
from studio.package_zip import pack
from tests.helpers import csrf_token, table_counts
from tests.studio.factories import changed, package_files, publish_course, upload

B_SLUG = "zzsecret-course"


@pytest.fixture
def b_course(app, centre_b, tmp_path):
    files = changed(
        package_files(tmp_path, slug=B_SLUG),
        "lessons/01-first-steps.en.md",
        "one idea",
        "Zzsecret idea",
    )
    publish_course(app, centre_b["author"], files, centre_id=centre_b["centre"].id)
    return files


def _snapshot(db_session):
    db_session.expire_all()
    return (
        [(d.id, d.revision, d.package_sha256) for d in db_session.scalars(select(CourseDraft))],
        [(v.id, v.package_sha256) for v in db_session.scalars(select(PublishedVersion))],
        [(c.id, c.package_hash, c.centre_id) for c in db_session.scalars(select(Course))],
    )


# Values for the other parts of a studio address (a lesson, a question, a language...): whatever
# they name, another centre's course is not found.
SAMPLE_ARGUMENTS = {"number": "1", "lang": "fr", "language": "fr", "lesson": "first-steps"}


def _is_studio(endpoint: str) -> bool:
    """The studio's pages: the blueprint "studio" and those its parts add ("studio_lessons"...)."""
    return endpoint.split(".", 1)[0].startswith("studio")


def test_every_studio_route_answers_not_found_for_another_centres_course(
    app, client, db_session, author, b_course, tmp_path
):
    before = _snapshot(db_session)
    counts = table_counts(db_session)
    token = csrf_token(client, "/studio/")
    forged = pack(changed(b_course, "lessons/01-first-steps.en.md", "Zzsecret", "Forged"))
    seen = []
    for rule in app.url_map.iter_rules():
        if not _is_studio(rule.endpoint) or "slug" not in rule.arguments:
            continue
        values = {name: SAMPLE_ARGUMENTS.get(name, "1") for name in rule.arguments}
        url = rule.build(values | {"slug": B_SLUG}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = None
            if method == "POST":
                data = {
                    "csrf_token": token,
                    "revision": "1",
                    "package": (io.BytesIO(forged), "b.zip"),
                }
            response = client.open(url, method=method, data=data)
            assert response.status_code == 404, (method, url, response.status_code)
            seen.append(rule.endpoint)
    assert {
        "studio.course",
        "studio.publish",
        "studio.import_draft",
        "studio.export_draft",
        "studio.export_version",
        "studio.compare_versions",
    } <= set(seen)
    assert _snapshot(db_session) == before and table_counts(db_session) == counts


def test_the_studio_home_lists_neither_the_other_centres_course_nor_its_template(
    client, author, b_course
):
    body = client.get("/studio/").get_data(as_text=True)
    assert B_SLUG not in body and "Zzsecret" not in body


def test_a_forged_copy_of_another_centres_course_is_refused(client, db_session, author, b_course):
    before = _snapshot(db_session)
    response = client.post(
        "/studio/copy",
        data={"csrf_token": csrf_token(client, "/studio/"), "template": B_SLUG, "slug": "stolen"},
    )
    assert response.status_code == 400
    assert "not one of the bundled templates" in response.get_data(as_text=True)
    assert _snapshot(db_session) == before


def test_importing_over_another_centres_slug_is_refused_without_naming_it(
    client, db_session, author, b_course
):
    before = _snapshot(db_session)
    response = upload(client, "/studio/", "/studio/import", pack(b_course))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "already used by another course" in body and "Centre B" not in body
    assert _snapshot(db_session) == before


def test_other_centres_course_is_not_shown_to_a_trainee_of_a(client, login_as, b_course):
    login_as("trainee")
    assert B_SLUG not in client.get("/courses/").get_data(as_text=True)
    assert client.get(f"/courses/{B_SLUG}").status_code == 404


def test_b_sees_its_own_course(app, centre_b, b_course):
    """The walk's check can fail: B's author does reach B's course."""
    from tests.conftest import TEST_SECRET
    from tests.helpers import sign_in

    client = app.test_client()
    assert sign_in(client, centre_b["author"].sign_in_name, TEST_SECRET).status_code == 302
    assert client.get(f"/studio/courses/{B_SLUG}").status_code == 200
    assert client.get(f"/studio/courses/{B_SLUG}/versions/1.zip").status_code == 200


def test_every_studio_route_declares_the_author_audience(app):
    audiences = {
        rule.endpoint: audience_of(app.view_functions[rule.endpoint])
        for rule in app.url_map.iter_rules()
        if _is_studio(rule.endpoint)
    }
    assert audiences and set(audiences.values()) == {frozenset({"course_author"})}
