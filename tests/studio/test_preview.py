"""The preview of a draft as a trainee would see it: course page, lessons, images and the quiz in
any language, the validator's report for a broken draft, and nothing recorded anywhere."""

from __future__ import annotations

import io
import random
import re

import pytest
from PIL import Image
from sqlalchemy import select

from assessments.quiz import draw_questions
from courses.models import Course
from lms import scope
from lms.access import audience_of
from lms.db import db
from studio import drafts, preview
from tests.conftest import TEST_SECRET
from tests.courses.factories import PER_STANDARD
from tests.helpers import csrf_token, sign_in, table_counts
from tests.studio.factories import changed, package_files, publish_course

PAGE = "/studio/courses/centre-course/preview"
BANNER = "Preview - nothing is recorded"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def files(tmp_path):
    """The test package (English and French) with an image in its first lesson, and a first
    lesson that says something different from the published version's."""
    found = package_files(tmp_path)
    found = changed(
        found,
        "lessons/01-first-steps.en.md",
        "## Key points",
        "![A red square](media/square.png)\n\n## Key points",
    )
    return {**found, "media/square.png": _png()}


def _make_draft(app, author, files, centre_id=None):
    with app.test_request_context():
        scope.enter(db.session, centre_id or author.centre_id)
        made = drafts.create_draft(
            drafts.package_slug(files) or "", files, db.session.merge(author), "test"
        )
        db.session.commit()
        return made.id


@pytest.fixture
def draft(app, db_session, author, files):
    return _make_draft(app, author, files)


def _seed(body: str) -> int:
    found = re.search(r'name="seed" type="hidden" value="(\d+)"', body)
    assert found, body
    return int(found.group(1))


def _quiz_form(client, lang="en"):
    """The preview quiz page, its CSRF token, seed and revision."""
    body = client.get(f"{PAGE}/quiz?lang={lang}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', body)
    revision = re.search(r'name="revision" type="hidden" value="(\d+)"', body)
    assert token and revision, body
    return body, {"csrf_token": token.group(1), "seed": _seed(body), "revision": revision.group(1)}


def _keys(body: str, position: int) -> list[str]:
    return re.findall(rf'name="q{position}" value="([0-9a-f]+)"', body)


def test_the_course_page_shows_the_draft_in_the_language_chosen_with_the_banner(
    client, author, draft
):
    response = client.get(f"{PAGE}?lang=fr")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr" dir="ltr">' in body  # the page as a French reader sees it
    assert "Mini course (fr)" in body and "Lesson 1 fr" in body and "Lesson 2 fr" in body
    assert "Leçons" in body  # the trainee's labels, in French
    # The banner stays in the author's language, with a switch to every language.
    assert 'lang="en" dir="ltr" aria-labelledby="preview-title"' in body and BANNER in body
    for code in ("en", "fr", "zh", "ar", "es", "ru"):
        assert f"{PAGE}?lang={code}" in body


def test_a_language_the_course_lacks_shows_the_english_text_with_the_fallback_notices(
    client, author, draft
):
    body = client.get(f"{PAGE}?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in body
    assert "Mini course (en)" in body
    assert "هذه الدورة غير متاحة بعد بلغتك" in body  # the course page's fallback notice, in Arabic
    lesson = client.get(f"{PAGE}/lessons/first-steps?lang=zh").get_data(as_text=True)
    assert '<article class="lesson" lang="en" dir="ltr">' in lesson
    assert 'role="note"' in lesson and BANNER in lesson


def test_a_lesson_is_rendered_as_for_trainees_with_its_draft_images(client, author, draft):
    body = client.get(f"{PAGE}/lessons/first-steps?lang=en").get_data(as_text=True)
    assert "<h1>Lesson 1 en</h1>" in body and "<h2>Key points</h2>" in body
    assert '<img src="media/square.png" alt="A red square">' in body
    assert BANNER in body
    assert f"{PAGE}/lessons/second-steps?lang=en" in body  # the next lesson, same language
    image = client.get(f"{PAGE}/lessons/media/square.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data == _png()
    assert "sandbox" in image.headers["Content-Security-Policy"]
    assert client.get(f"{PAGE}/lessons/media/nothing.png").status_code == 404
    assert client.get(f"{PAGE}/lessons/media/../course.yaml").status_code == 404
    assert client.get(f"{PAGE}/lessons/no-such-lesson").status_code == 404


def test_the_draft_not_the_published_version_is_previewed(app, client, author, files, tmp_path):
    publish_course(app, author, package_files(tmp_path))  # version 1: without the image
    body = client.get(f"{PAGE}/lessons/first-steps").get_data(as_text=True)
    assert "A red square" not in body  # the draft of the published course is the published text
    with app.test_request_context():
        scope.enter(db.session, author.centre_id)
        draft = drafts.get_draft("centre-course")
        assert draft is not None
        drafts.save_draft(draft, files, draft.revision, db.session.merge(author), "test")
        db.session.commit()
    body = client.get(f"{PAGE}/lessons/first-steps").get_data(as_text=True)
    assert "A red square" in body


def test_the_quiz_is_drawn_as_an_attempt_in_the_language_chosen(client, author, draft):
    body, _form = _quiz_form(client, "fr")
    positions = re.findall(r'name="q(\d+)" value=', body)
    assert sorted(set(map(int, positions))) == list(range(1, 2 * PER_STANDARD + 1))
    assert "Question 1 sur 16" in body and "Question 16 sur 16" in body
    assert "(fr)" in body and "(en)" not in body.split("preview-quiz", 1)[1]
    # Each draw is new, as each attempt's is.
    assert _seed(client.get(f"{PAGE}/quiz").get_data(as_text=True)) != _seed(body)


def test_submitting_scores_the_answers_and_shows_the_explanations(app, client, author, draft):
    body, form = _quiz_form(client)
    with app.test_request_context():
        scope.enter(db.session, author.centre_id)
        package = preview.read_draft(drafts.get_draft("centre-course"))
        assert not isinstance(package, list)
        quiz = preview.draw_quiz(package, "en", form["seed"])
    # The page shows the draw its seed gives (the form replays it on submission).
    assert [sorted(_keys(body, item.position)) for item in quiz.sheet.items] == [
        sorted(option["key"] for option in item.served["options"]) for item in quiz.sheet.items
    ]
    answers = {f"q{position}": keys for position, keys in quiz.correct.items()}
    response = client.post(f"{PAGE}/quiz?lang=en", data={**form, **answers})
    result = response.get_data(as_text=True)
    assert response.status_code == 200, result
    assert "Passed: 100% overall" in result and BANNER in result
    assert result.count("Because. (en)") == 2 * PER_STANDARD  # every explanation
    wrong = {**answers, "q1": [k for k in _keys(body, 1) if k not in quiz.correct[1]][:1]}
    result = client.post(f"{PAGE}/quiz?lang=en", data={**form, **wrong}).get_data(as_text=True)
    assert "Passed: 94% overall" in result  # 15 of 16, and 7 of 8 meets the standard's 60%
    assert "(your answer)" in result and "(right answer)" in result
    nothing = client.post(f"{PAGE}/quiz?lang=en", data=form).get_data(as_text=True)
    assert "Not passed: 0% overall" in nothing
    assert "Study again before your next attempt" in nothing and "Lesson 1 en" in nothing


def test_previewing_records_nothing_in_any_table(app, client, db_session, author, draft):
    client.get(f"{PAGE}/quiz")  # the session's CSRF secret, before counting
    counts = table_counts(db_session)
    assert client.get(f"{PAGE}?lang=fr").status_code == 200
    assert client.get(f"{PAGE}/lessons/first-steps?lang=fr").status_code == 200
    assert client.get(f"{PAGE}/lessons/second-steps").status_code == 200
    assert client.get(f"{PAGE}/lessons/media/square.png").status_code == 200
    body, form = _quiz_form(client, "fr")
    answers = {"q1": _keys(body, 1)[:1], "q2": _keys(body, 2)[:1]}
    response = client.post(f"{PAGE}/quiz?lang=fr", data={**form, **answers})
    assert response.status_code == 200 and "Résultat" in response.get_data(as_text=True)
    assert table_counts(db_session) == counts


def test_bad_answers_and_languages_are_refused_with_a_message(client, db_session, author, draft):
    body, form = _quiz_form(client)
    counts = table_counts(db_session)
    foreign = client.post(f"{PAGE}/quiz?lang=en", data={**form, "q1": _keys(body, 2)[:1]})
    assert foreign.status_code == 400
    assert "This answer does not belong to this question." in foreign.get_data(as_text=True)
    assert _seed(foreign.get_data(as_text=True)) == form["seed"]  # the same draw, to correct
    two = client.post(f"{PAGE}/quiz?lang=fr", data={**form, "q1": _keys(body, 1)[:2]})
    assert two.status_code == 400
    assert "Choisissez une seule réponse." in two.get_data(as_text=True)
    unknown = client.get(f"{PAGE}?lang=xx")
    assert unknown.status_code == 400
    assert "This language is not available." in unknown.get_data(as_text=True)
    forged = client.post(f"{PAGE}/quiz", data={**form, "csrf_token": "forged"})
    assert forged.status_code == 400
    assert table_counts(db_session) == counts


def test_a_draft_changed_since_the_draw_is_drawn_again(app, client, author, draft, files):
    _body, form = _quiz_form(client)
    with app.test_request_context():
        scope.enter(db.session, author.centre_id)
        current = drafts.get_draft("centre-course")
        assert current is not None
        new = changed(files, "questions.yaml", "Because. (en)", "Because so. (en)")
        drafts.save_draft(current, new, current.revision, db.session.merge(author), "test")
        db.session.commit()
    response = client.post(f"{PAGE}/quiz", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "changed since these questions were drawn" in body
    assert 'name="revision" type="hidden" value="2"' in body


def test_a_draft_that_does_not_validate_shows_the_validators_report(client, author, app, files):
    broken = changed(files, "questions.yaml", "correct: true", "correct: false")
    _make_draft(app, author, broken)
    for url in (PAGE, f"{PAGE}/lessons/first-steps", f"{PAGE}/quiz"):
        body = client.get(url).get_data(as_text=True)
        assert BANNER in body and "cannot be previewed" in body
        assert "questions.yaml" in body and "no correct option" in body


def test_preview_routes_are_for_authors_of_the_centre_only(
    app, client, db_session, login_as, centre_b, files
):
    _make_draft(app, centre_b["author"], files, centre_id=centre_b["centre"].id)
    outsider = app.test_client()
    assert sign_in(outsider, centre_b["author"].sign_in_name, TEST_SECRET).status_code == 302
    assert outsider.get(PAGE).status_code == 200  # the walk below can fail
    login_as("trainer", is_course_author=True)  # an author of centre A
    token = csrf_token(client, "/studio/")
    counts = table_counts(db_session)
    walked = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("studio_preview."):
            continue
        assert audience_of(app.view_functions[rule.endpoint]) == frozenset({"course_author"})
        url = rule.build(
            {"slug": "centre-course", "lesson_slug": "first-steps", "name": "square.png"},
            append_unknown=False,
        )[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token, "seed": "1", "revision": "1"} if method == "POST" else None
            assert client.open(url, method=method, data=data).status_code == 404, url
            walked.add(rule.endpoint)
    assert walked == {
        "studio_preview.course",
        "studio_preview.lesson",
        "studio_preview.media",
        "studio_preview.quiz",
        "studio_preview.submit",
    }
    assert table_counts(db_session) == counts


@pytest.mark.parametrize("role", ["trainee", "trainer"])
def test_people_who_are_not_authors_cannot_preview(client, login_as, author, draft, role):
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/home")})
    login_as(role)
    assert client.get(PAGE).status_code == 403


def test_the_preview_draws_what_a_trainees_attempt_draws_with_the_same_randomness(
    app, db_session, author, tmp_path
):
    files = package_files(tmp_path)
    publish_course(app, author, files)
    with app.test_request_context():
        scope.enter(db.session, author.centre_id)
        course = db.session.scalars(select(Course).where(Course.slug == "centre-course")).one()
        package = preview.read_draft(drafts.get_draft("centre-course"))
        assert not isinstance(package, list)
        for seed in (1, 2, 3):
            trainee = [q.content["text"]["en"] for q in draw_questions(course, random.Random(seed))]
            shown = [
                item.served["text"] for item in preview.draw_quiz(package, "en", seed).sheet.items
            ]
            assert shown == trainee
            assert len(shown) == 2 * PER_STANDARD
