"""Import and export of package ZIPs and copies of the bundled templates, through the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from courses.models import Course
from lms.db import db
from studio.loader import CATALOG_DIR
from studio.models import CourseDraft
from studio.package_zip import pack, read_folder, unpack_trusted
from studio.sync import load_catalog
from tests.helpers import submit, table_counts
from tests.studio.factories import changed, package_files, publish_course, upload

PAGE = "/studio/courses/centre-course"


@pytest.fixture
def bundled(app, author):
    """The three bundled courses, loaded as `flask courses load` does."""
    with app.app_context():
        load_catalog()
        db.session.commit()


def test_a_package_is_imported_as_a_new_course(client, db_session, author, tmp_path):
    response = upload(client, "/studio/", "/studio/import", pack(package_files(tmp_path)))
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    draft = db_session.scalars(select(CourseDraft)).one()
    assert (draft.slug, draft.centre_id, draft.origin, draft.revision) == (
        "centre-course",
        author.centre_id,
        "import",
        1,
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("../evil.md", "The file name climbs out of the package (../)."),
        ("/etc/cron.d/evil", "The file name is an absolute path."),
        ("evil.sh", "This file is outside the package layout"),
    ],
)
def test_an_unsafe_zip_is_refused_with_nothing_written(
    client, db_session, author, tmp_path, entry, message
):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in package_files(tmp_path).items():
            archive.writestr(name, data)
        archive.writestr(entry, b"x")
    before = table_counts(db_session)
    response = upload(client, "/studio/", "/studio/import", buffer.getvalue())
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in body and "nothing was written" in body
    assert table_counts(db_session) == before


def test_an_invalid_package_shows_the_validators_report_in_the_authors_language(
    client, db_session, login_as, course, tmp_path
):
    login_as("trainer", is_course_author=True, preferred_language="fr")
    files = changed(package_files(tmp_path), "questions.yaml", "id: q1\n", "id: q2\n")
    before = table_counts(db_session)
    response = upload(client, "/studio/", "/studio/import", pack(files))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "duplicate question id &#39;q2&#39;" in body  # the loader's own message
    assert '<html lang="fr"' in body and "Fichier" in body and "Ligne" in body
    assert table_counts(db_session) == before


def test_importing_a_course_whose_slug_is_taken_is_refused(client, db_session, author, tmp_path):
    files = package_files(tmp_path, slug="mini-course")  # the bundled test course's slug
    before = table_counts(db_session)
    response = upload(client, "/studio/", "/studio/import", pack(files))
    assert response.status_code == 400
    assert "already used by another course" in response.get_data(as_text=True)
    assert table_counts(db_session) == before


def test_export_then_import_then_export_is_byte_for_byte_the_same(app, client, author, tmp_path):
    publish_course(app, author, package_files(tmp_path))
    exported = client.get(f"{PAGE}/versions/1.zip")
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    assert 'filename="centre-course-1.0.zip"' in exported.headers["Content-Disposition"]
    changed_files = changed(
        unpack_trusted(exported.data), "lessons/01-first-steps.fr.md", "one", "1"
    )
    assert upload(client, PAGE, f"{PAGE}/draft", pack(changed_files)).status_code == 302
    assert upload(client, PAGE, f"{PAGE}/draft", exported.data).status_code == 302
    assert client.get(f"{PAGE}/draft.zip").data == exported.data


def test_importing_a_draft_of_another_slug_is_refused(app, client, db_session, author, tmp_path):
    publish_course(app, author, package_files(tmp_path))
    other = package_files(tmp_path, slug="another-course")
    response = upload(client, PAGE, f"{PAGE}/draft", pack(other))
    assert response.status_code == 400
    assert "must name the course&#39;s short name centre-course" in response.get_data(as_text=True)


def test_a_bundled_course_is_copied_into_the_centre(client, db_session, author, bundled):
    home = client.get("/studio/").get_data(as_text=True)
    assert "Copy into my centre" in home and "sea-zero-tolerance" in home
    response = submit(
        client,
        "/studio/",
        {"template": "sea-zero-tolerance", "slug": "sea-npl"},
        action="/studio/copy",
    )
    assert response.status_code == 302
    draft = db_session.scalars(select(CourseDraft).where(CourseDraft.slug == "sea-npl")).one()
    files = unpack_trusted(draft.package)
    original = read_folder(CATALOG_DIR / "sea-zero-tolerance")
    assert files.keys() == original.keys()
    assert [name for name in files if files[name] != original[name]] == ["course.yaml"]
    assert b"slug: sea-npl\n" in files["course.yaml"]
    # Published, it is the centre's course; the template stays as it was.
    page = client.get("/studio/courses/sea-npl").get_data(as_text=True)
    revision = page.split('name="revision" type="hidden" value="', 1)[1].split('"', 1)[0]
    published = submit(
        client,
        "/studio/courses/sea-npl",
        {"revision": revision},
        action="/studio/courses/sea-npl/publish",
    )
    assert published.status_code == 302, published.get_data(as_text=True)
    courses = {c.slug: c.centre_id for c in db_session.scalars(select(Course))}
    assert courses["sea-npl"] == author.centre_id and courses["sea-zero-tolerance"] is None


@pytest.mark.parametrize(
    ("template", "slug", "message"),
    [
        ("sea-zero-tolerance", "sea-zero-tolerance", "already used by another course"),
        ("mini-course", "mini-copy", "not one of the bundled templates"),
        ("sea-zero-tolerance", "Bad Slug", "Lower-case letters, digits and hyphens"),
    ],
)
def test_a_bad_copy_is_refused(client, db_session, author, bundled, template, slug, message):
    before = table_counts(db_session)
    response = submit(
        client, "/studio/", {"template": template, "slug": slug}, action="/studio/copy"
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert table_counts(db_session) == before
