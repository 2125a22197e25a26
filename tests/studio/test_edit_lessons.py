"""The studio's editors through the author's pages: course details, lessons, images."""

from __future__ import annotations

import io
import re

import pytest
import yaml
from PIL import Image
from sqlalchemy import select

from courses.models import Course, Lesson
from lms import scope
from lms.db import db
from studio import drafts, images, publishing
from studio.models import CourseDraft, PublishedVersion
from studio.package_zip import unpack_trusted
from tests.conftest import TEST_SECRET
from tests.helpers import csrf_token, sign_in, table_counts
from tests.studio.factories import changed, package_files, publish_course

SLUG = "centre-course"
PAGE = f"/studio/courses/{SLUG}"
FIRST_EN = "lessons/01-first-steps.en.md"


@pytest.fixture
def draft(app, db_session, author, tmp_path):
    """A draft of the author's centre, never published."""
    return _make_draft(app, author, tmp_path)


def _make_draft(app, user, tmp_path):
    with app.test_request_context():
        scope.enter(db.session, user.centre_id)
        made = drafts.create_draft(SLUG, package_files(tmp_path), db.session.merge(user), "test")
        db.session.commit()
        return made.id


@pytest.fixture
def french_draft(app, db_session, login_as, course, tmp_path):
    """A draft of an author who reads the pages in French, signed in."""
    return _make_draft(
        app, login_as("trainer", is_course_author=True, preferred_language="fr"), tmp_path
    )


def files_of(db_session, draft_id):
    db_session.expire_all()
    return unpack_trusted(db_session.get(CourseDraft, draft_id).package)


def revision_of(body):
    match = re.search(r'name="revision" type="hidden" value="(\d+)"', body)
    assert match, body
    return match.group(1)


def post_page(client, page, action=None, files=None, **data):
    """Open a page and post its form as the author's browser would: the page's CSRF token and
    draft revision, then the fields given (a field given as None is left out)."""
    body = client.get(page).get_data(as_text=True)
    data.setdefault("revision", revision_of(body))
    payload = {"csrf_token": csrf_token(client, page), **data, **(files or {})}
    payload = {key: value for key, value in payload.items() if value is not None}
    kwargs = {"content_type": "multipart/form-data"} if files else {}
    return client.post(action or page, data=payload, **kwargs)


def details_fields(**changes):
    """The details form as the page shows it for the test package, with some fields changed."""
    fields = {
        "version": "1.0",
        "languages": ["en", "fr"],
        "title_en": "Mini course (en)",
        "title_fr": "Mini course (fr)",
        "summary_en": "A course for tests (en)",
        "summary_fr": "A course for tests (fr)",
        "pass_mark": "80",
        "validity_months": "12",
        "questions_per_standard": "8",
        "standard_threshold": "60",
        "time_limit_minutes": "10",
        "max_attempts": "2",
        "cooldown_hours": "1",
        "save": "1",
    }
    return {**fields, **changes}


# Course details -----------------------------------------------------------------------------


def test_the_details_form_shows_the_draft_and_saving_it_unchanged_changes_no_byte(
    client, db_session, draft
):
    before = files_of(db_session, draft)
    body = client.get(f"{PAGE}/details").get_data(as_text=True)
    assert 'value="Mini course (fr)"' in body and 'name="pass_mark"' in body
    response = post_page(client, f"{PAGE}/details", **details_fields())
    assert response.status_code == 302
    assert files_of(db_session, draft) == before
    assert db_session.get(CourseDraft, draft).revision == 1  # nothing to save: not saved


def test_saving_details_writes_only_the_changed_lines_of_course_yaml(client, db_session, draft):
    before = files_of(db_session, draft)["course.yaml"].decode()
    response = post_page(
        client,
        f"{PAGE}/details",
        **details_fields(title_fr="Cours d'essai", pass_mark="85", time_limit_minutes="25"),
    )
    assert response.status_code == 302
    after = files_of(db_session, draft)["course.yaml"].decode()
    data = yaml.safe_load(after)
    assert data["title"] == {"en": "Mini course (en)", "fr": "Cours d'essai"}
    assert (data["pass_mark"], data["quiz"]["time_limit_minutes"]) == (85, 25)
    removed = set(before.splitlines()) - set(after.splitlines())
    assert removed == {"  fr: Mini course (fr)", "pass_mark: 80", "  time_limit_minutes: 10"}
    assert db_session.get(CourseDraft, draft).revision == 2


def test_save_and_raise_the_version(client, db_session, draft):
    body = client.get(f"{PAGE}/details").get_data(as_text=True)
    assert "Save and raise the version to 1.1" in body
    response = post_page(client, f"{PAGE}/details", **details_fields(save=None, save_and_raise="1"))
    assert response.status_code == 302
    assert yaml.safe_load(files_of(db_session, draft)["course.yaml"])["version"] == "1.1"


def test_the_details_page_tells_whether_the_quiz_rule_will_pass_publication(client, draft):
    body = client.get(f"{PAGE}/details").get_data(as_text=True)
    assert '<p class="hint" id="pass-rule">With the saved settings' in body
    response = post_page(client, f"{PAGE}/details", **details_fields(questions_per_standard="1"))
    assert response.status_code == 302  # saved: a draft may be unfinished; publishing refuses it
    body = client.get(f"{PAGE}/details").get_data(as_text=True)
    assert '<p class="notice notice-warning" id="pass-rule">' in body
    assert "Publication needs at least 90% and 90%." in body


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pass_mark": "0"}, "Enter a whole number from 1 to 100."),
        ({"cooldown_hours": "soon"}, "Enter a whole number from 0 to 2160."),
        ({"title_fr": "  "}, "Needed: the course is complete in this language."),
        ({"languages": ["fr"]}, "English is the reference language: keep it ticked."),
        ({"version": "1.0 final"}, "A version such as 1.2."),
    ],
)
def test_bad_details_are_shown_next_to_the_field_and_nothing_is_saved(
    client, db_session, draft, changes, message
):
    before = files_of(db_session, draft)
    response = post_page(client, f"{PAGE}/details", **details_fields(**changes))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in body and "Nothing was saved" in body
    field = next(iter(changes))
    assert re.search(rf'id="{field}-error"|name="{field}"[^>]*aria-invalid', body) or (
        field == "languages"
    )
    assert files_of(db_session, draft) == before


def test_details_errors_are_in_the_authors_language(client, db_session, french_draft):
    response = post_page(client, f"{PAGE}/details", **details_fields(pass_mark="0"))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a whole number" not in body and "Nothing was saved" not in body
    assert "Saisissez un nombre entier de 1 à 100." in body


# Lessons ------------------------------------------------------------------------------------


def test_the_lesson_list_shows_order_languages_and_standards(client, draft):
    body = client.get(f"{PAGE}/lessons").get_data(as_text=True)
    assert body.index("Lesson 1 en") < body.index("Lesson 2 en")
    assert "Standards: SEA-1" in body and "Français: written" in body


def test_adding_a_lesson_writes_its_entry_and_english_file(client, db_session, draft):
    response = post_page(
        client, f"{PAGE}/lessons", slug="field-hygiene", title="  Field   hygiene "
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/lessons/field-hygiene/en")
    files = files_of(db_session, draft)
    assert files["lessons/03-field-hygiene.en.md"] == b"# Field hygiene\n"
    entries = yaml.safe_load(files["course.yaml"])["lessons"]
    assert entries[-1] == {"slug": "field-hygiene", "standards": []}
    listing = client.get(f"{PAGE}/lessons").get_data(as_text=True)
    assert "Field hygiene" in listing and "Français: missing" in listing


@pytest.mark.parametrize(
    ("slug", "message"),
    [("first-steps", "already has a lesson first-steps"), ("Bad Slug", "Lower-case letters")],
)
def test_a_lesson_slug_that_is_taken_or_malformed_is_refused(
    client, db_session, draft, slug, message
):
    before = files_of(db_session, draft)
    response = post_page(client, f"{PAGE}/lessons", slug=slug, title="Again")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert files_of(db_session, draft) == before


def test_preview_renders_with_the_trainees_renderer_and_saves_nothing(client, db_session, draft):
    page = f"{PAGE}/lessons/first-steps/en"
    before = files_of(db_session, draft)
    text = "# New title\n\nSome **bold** text and [a link](https://un.org).\n"
    response = post_page(client, page, text=text, standards=["SEA-1"], preview="1")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preview (not saved)" in body and "<strong>bold</strong>" in body
    assert 'href="https://un.org" rel="noopener noreferrer nofollow"' in body
    assert files_of(db_session, draft) == before


def test_saving_a_lesson_text_standards_and_minimum_duration(client, db_session, draft):
    page = f"{PAGE}/lessons/second-steps/fr"
    text = "# Deuxième leçon\r\n\r\nUn texte révisé.\r\n"
    response = post_page(
        client, page, text=text, standards=["SEA-1", "SEA-2"], minutes="45", save="1"
    )
    assert response.status_code == 302
    files = files_of(db_session, draft)
    assert (
        files["lessons/02-second-steps.fr.md"] == "# Deuxième leçon\n\nUn texte révisé.\n".encode()
    )
    entry = yaml.safe_load(files["course.yaml"])["lessons"][1]
    assert entry == {"slug": "second-steps", "standards": ["SEA-1", "SEA-2"], "minutes": 45}
    # the minutes go when the field is emptied
    post_page(client, page, text=text, standards=["SEA-2"], minutes="", save="1")
    entry = yaml.safe_load(files_of(db_session, draft)["course.yaml"])["lessons"][1]
    assert entry == {"slug": "second-steps", "standards": ["SEA-2"]}


@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        ('<script>alert("x")</script>', "raw HTML is not allowed"),
        ("Click <b>here</b>.", "raw HTML is not allowed"),
        ("[Click](javascript:alert(1))", "a javascript: address is not allowed"),
        ("![Map](https://evil.example/track.png)", "is not one of this course&#39;s images"),
        ("![Map](media/nowhere.png)", "is not among this course&#39;s images"),
        ("![](media/nowhere.png)", "needs a description"),
        ("[UN](http://un.org)", "must be an https:// address"),
    ],
)
def test_lesson_markdown_breaking_the_loaders_rules_is_refused(
    client, db_session, draft, markdown, message
):
    before = files_of(db_session, draft)
    counts = table_counts(db_session)
    response = post_page(
        client,
        f"{PAGE}/lessons/first-steps/en",
        text=f"# Lesson 1 en\n\nText.\n\n{markdown}\n",
        standards=["SEA-1"],
        save="1",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was saved" in body and "Line 5" in body and message in body
    assert "<script>alert" not in body.split("<textarea", 1)[0]
    assert files_of(db_session, draft) == before and table_counts(db_session) == counts


def test_a_refusal_is_in_the_authors_language(client, db_session, french_draft):
    response = post_page(
        client,
        f"{PAGE}/lessons/first-steps/en",
        text="# T\n\n<b>x</b>\n",
        standards=["SEA-1"],
        save="1",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "raw HTML is not allowed" not in body
    assert "Ligne 3 : le HTML brut n" in body


def test_emptying_a_translation_removes_it_but_the_english_text_stays(client, db_session, draft):
    page = f"{PAGE}/lessons/first-steps"
    response = post_page(client, f"{page}/fr", text="  ", standards=["SEA-1"], save="1")
    assert response.status_code == 302
    assert "lessons/01-first-steps.fr.md" not in files_of(db_session, draft)
    response = post_page(client, f"{page}/en", text="", standards=["SEA-1"], save="1")
    assert response.status_code == 400
    assert FIRST_EN in files_of(db_session, draft)


def test_moving_a_lesson_renames_the_files_of_both_lessons(client, db_session, draft):
    response = post_page(
        client, f"{PAGE}/lessons", action=f"{PAGE}/lessons/first-steps/move", direction="down"
    )
    assert response.status_code == 302
    files = files_of(db_session, draft)
    assert sorted(name for name in files if name.startswith("lessons/")) == [
        "lessons/01-second-steps.en.md",
        "lessons/01-second-steps.fr.md",
        "lessons/02-first-steps.en.md",
        "lessons/02-first-steps.fr.md",
    ]
    assert files["lessons/02-first-steps.en.md"].startswith(b"# Lesson 1 en")
    slugs = [entry["slug"] for entry in yaml.safe_load(files["course.yaml"])["lessons"]]
    assert slugs == ["second-steps", "first-steps"]
    assert publishing.validate(files).ok  # still a valid package for the loader


def test_removing_a_lesson_asks_first_then_removes_its_files(client, db_session, draft):
    confirm = client.get(f"{PAGE}/lessons/first-steps/remove")
    assert confirm.status_code == 200 and "Remove the lesson" in confirm.get_data(as_text=True)
    assert len(files_of(db_session, draft)) == 6  # the question only: nothing removed yet
    response = post_page(client, f"{PAGE}/lessons/first-steps/remove")
    assert response.status_code == 302
    files = files_of(db_session, draft)
    assert sorted(name for name in files if name.startswith("lessons/")) == [
        "lessons/01-second-steps.en.md",
        "lessons/01-second-steps.fr.md",
    ]
    assert [e["slug"] for e in yaml.safe_load(files["course.yaml"])["lessons"]] == ["second-steps"]


def test_a_save_on_a_stale_revision_shows_the_conflict_and_saves_nothing(
    client, db_session, draft, make_user
):
    page = f"{PAGE}/lessons/first-steps/en"
    opened = revision_of(client.get(page).get_data(as_text=True))
    other = make_user("trainer", is_course_author=True, full_name="Other Author")
    row = db_session.get(CourseDraft, draft)
    row.package = __import__("studio.package_zip", fromlist=["pack"]).pack(
        changed(files_of(db_session, draft), FIRST_EN, "one idea", "another idea")
    )
    row.revision, row.updated_by_id = 2, other.id
    db_session.commit()
    before = files_of(db_session, draft)
    response = post_page(
        client, page, revision=opened, text="# Mine\n\nMy text.\n", standards=["SEA-1"], save="1"
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "changed by Other Author since you opened it" in body and "My text." in body
    assert files_of(db_session, draft) == before


# Images -------------------------------------------------------------------------------------


def _image(kind="PNG", size=(40, 30), **save):
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, kind, **save)
    return buffer.getvalue()


def _noise(kind="PNG"):
    buffer = io.BytesIO()
    Image.effect_noise((100, 100), 60).save(buffer, kind)
    return buffer.getvalue()


def _upload(client, data, name):
    return post_page(client, f"{PAGE}/images", files={"image": (io.BytesIO(data), name)})


def test_an_uploaded_photo_is_reencoded_without_its_metadata_and_its_markdown_shown(
    client, db_session, draft
):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # the camera's maker
    exif[0x8825] = {2: (27.0, 42.0, 0.0)}  # a GPS position
    response = _upload(client, _image("JPEG", exif=exif.tobytes(), comment=b"who"), "Road Map.JPG")
    assert response.status_code == 302
    stored = files_of(db_session, draft)["media/road-map.jpg"]
    assert b"SecretCam" not in stored and b"Exif" not in stored and b"who" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == ("JPEG", (40, 30))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "![description](media/road-map.jpg)" in page
    served = client.get(f"{PAGE}/media/road-map.jpg")
    assert served.mimetype == "image/jpeg" and served.data == stored
    # and a lesson may now show it
    response = post_page(
        client,
        f"{PAGE}/lessons/first-steps/en",
        text="# Lesson 1 en\n\n![The road](media/road-map.jpg)\n",
        standards=["SEA-1"],
        preview="1",
    )
    assert f'src="{PAGE}/media/road-map.jpg"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (_image("JPEG"), "photo.png", "This file is not a PNG image, as its name says."),
        (b"MZ\x90\x00 not an image at all", "photo.jpg", "This file is not a JPEG image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>", "a.svg", "SVG"),
        (b"GIF89a", "moving.gif", "Upload a PNG or JPEG image"),
        (_image(size=(4001, 3000)), "huge.png", "too many pixels: at most 12 million"),
        (_noise()[:2000], "cut.png", "cannot be read"),
        (_noise("JPEG")[:2000], "cut.jpg", "cannot be read"),
    ],
)
def test_an_image_that_is_not_what_it_says_or_too_large_is_refused(
    client, db_session, draft, data, name, message
):
    before = files_of(db_session, draft)
    response = _upload(client, data, name)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body, body
    assert files_of(db_session, draft) == before


def test_an_image_over_the_byte_limit_is_refused_unread(client, db_session, draft, monkeypatch):
    # The limit lowered for the test: the test client spools a larger body to a file it leaves open.
    monkeypatch.setattr(images, "MAX_UPLOAD_BYTES", 100_000)
    before = files_of(db_session, draft)
    response = _upload(client, _noise() + b"0" * 100_000, "heavy.png")
    assert response.status_code == 400 and "too large" in response.get_data(as_text=True)
    assert files_of(db_session, draft) == before


def test_a_decompression_bomb_is_refused_before_it_is_decoded(client, db_session, draft):
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")  # 400 million pixels in a few KB
    assert len(buffer.getvalue()) < 100_000
    response = _upload(client, buffer.getvalue(), "bomb.png")
    assert response.status_code == 400 and "too many pixels" in response.get_data(as_text=True)


# Boundaries ---------------------------------------------------------------------------------


def test_another_centres_course_is_not_found_on_every_editor_route(
    app, client, db_session, author, centre_b, tmp_path
):
    publish_course(
        app,
        centre_b["author"],
        package_files(tmp_path, slug="b-course"),
        centre_id=centre_b["centre"].id,
    )
    counts = table_counts(db_session)
    token = csrf_token(client, "/studio/")
    seen = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("studio_lessons."):
            continue
        values = {"slug": "b-course", "lesson": "first-steps", "language": "en", "name": "x.png"}
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = None
            if method == "POST":
                data = {
                    "csrf_token": token,
                    "revision": "1",
                    "text": "# Forged\n",
                    "slug": "forged",
                    "title": "Forged",
                    "direction": "up",
                    "image": (io.BytesIO(_image()), "x.png"),
                    **details_fields(),
                }
            response = client.open(url, method=method, data=data)
            assert response.status_code == 404, (method, url, response.status_code)
            seen.add(rule.endpoint)
    assert len(seen) == 12
    assert table_counts(db_session) == counts


def test_a_published_version_is_never_edited_only_the_draft(
    app, client, db_session, author, tmp_path
):
    publish_course(app, author, package_files(tmp_path, slug=SLUG))
    version = db_session.scalars(select(PublishedVersion)).one()
    published = version.package
    response = post_page(
        client,
        f"{PAGE}/lessons/first-steps/en",
        text="# Lesson 1 en\n\nChanged.\n",
        standards=["SEA-1"],
        save="1",
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.scalars(select(PublishedVersion)).one().package == published
    # no editor takes a version: a version's address accepts no change
    assert client.post(f"{PAGE}/versions/1.zip").status_code == 405
    assert client.post(f"{PAGE}/versions/1/lessons/first-steps/en").status_code == 404


def test_publishing_after_editing_keeps_unchanged_lessons_and_shows_the_minimum_duration(
    app, client, db_session, author, tmp_path, make_user
):
    publish_course(app, author, package_files(tmp_path, slug=SLUG))
    course = db_session.scalars(select(Course).where(Course.slug == SLUG)).one()
    hashes = {lesson.slug: lesson.content_hash for lesson in course.lessons}
    # minutes only on the first lesson, a new English text in the second, the version raised
    page = f"{PAGE}/lessons/first-steps/en"
    text = files_of(db_session, db_session.scalars(select(CourseDraft)).one().id)[FIRST_EN]
    post_page(client, page, text=text.decode(), standards=["SEA-1"], minutes="45", save="1")
    second = f"{PAGE}/lessons/second-steps/en"
    post_page(
        client,
        second,
        text="# Lesson 2 en\n\nThis is lesson 2, rewritten.\n\n## Key points\n\n- One.\n\n## Sources\n\n- ST/SGB/2003/13\n",
        standards=["SEA-2"],
        save="1",
    )
    post_page(client, f"{PAGE}/details", **details_fields(save=None, save_and_raise="1"))
    response = post_page(client, PAGE, action=f"{PAGE}/publish")
    assert response.status_code == 302, response.get_data(as_text=True)
    db_session.expire_all()
    lessons = {
        lesson.slug: lesson
        for lesson in db_session.scalars(select(Lesson).join(Course).where(Course.slug == SLUG))
    }
    assert lessons["first-steps"].minutes == 45
    assert lessons["first-steps"].content_hash == hashes["first-steps"]  # minutes: same lesson
    assert lessons["second-steps"].content_hash != hashes["second-steps"]
    assert db_session.scalars(select(Course).where(Course.slug == SLUG)).one().version == "1.1"
    trainee = app.test_client()
    assert sign_in(trainee, make_user("trainee").sign_in_name, TEST_SECRET).status_code == 302
    assert "Minimum duration: 45 min" in trainee.get(f"/courses/{SLUG}").get_data(as_text=True)
