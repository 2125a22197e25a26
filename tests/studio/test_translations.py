"""Translations of a draft: stale detection, the matrix, the side-by-side page, PO files, partial
languages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po
from sqlalchemy import select

from lms.yamlfile import PackageError
from studio.loader import CATALOG_DIR, read_catalog
from studio.models import CourseDraft
from studio.package_zip import pack, read_folder, write_folder
from studio.translations import (
    SOURCES_FILE,
    Change,
    apply_translations,
    draft_items,
    matrix,
    short_hash,
)
from tests.helpers import csrf_token, submit, table_counts
from tests.studio.factories import changed, package_files, publish_course, upload

PAGE = "/studio/courses/centre-course"
MATRIX = f"{PAGE}/translations"
FRENCH = f"{MATRIX}/fr"
LESSON_EN = "lessons/01-first-steps.en.md"
LESSON_FR = "lessons/01-first-steps.fr.md"


def _with_manifest(files, change):
    data = yaml.safe_load(files["course.yaml"])
    change(data)
    return {**files, "course.yaml": yaml.safe_dump(data, allow_unicode=True).encode()}


def _draft(db_session) -> CourseDraft:
    db_session.expire_all()
    return db_session.scalars(select(CourseDraft)).one()


def _files(db_session):
    from studio.package_zip import unpack_trusted

    return unpack_trusted(_draft(db_session).package)


@pytest.fixture
def imported(client, author, tmp_path):
    """The test package (English and French) imported as the centre's draft."""
    response = upload(client, "/studio/", "/studio/import", pack(package_files(tmp_path)))
    assert response.status_code == 302
    return response


def _replace_draft(client, files):
    response = upload(client, PAGE, f"{PAGE}/draft", pack(files))
    assert response.status_code == 302, response.get_data(as_text=True)


# --- the model: items, stale detection -------------------------------------------------------


def test_items_have_stable_ids_and_an_unrecorded_translation_is_current(tmp_path):
    texts = draft_items(package_files(tmp_path))
    ids = [item.id for item in texts.items]
    assert ids[:4] == [
        "course/title",
        "course/summary",
        "lesson/first-steps",
        "lesson/second-steps",
    ]
    assert ids[4:9] == [
        "question/q1/text",
        "question/q1/option/a",
        "question/q1/option/b",
        "question/q1/option/c",
        "question/q1/explanation",
    ]
    row = matrix(texts, ["fr", "ru"])
    assert row[0].total == {"current": 2 + 2 + 32 * 5, "stale": 0, "missing": 0}
    assert row[1].kind == "none" and row[1].total["missing"] == 2 + 2 + 32 * 5


def test_a_translation_made_from_an_older_english_is_stale(tmp_path):
    files = package_files(tmp_path)
    saved = apply_translations(
        files, [Change("question/q1/text", "fr", "Question q1, en français", "Question q1 (en)")]
    )
    sources = yaml.safe_load(saved[SOURCES_FILE])
    assert sources == {"fr": {"question/q1/text": short_hash("Question q1 (en)")}}
    assert "Question q1, en français" in saved["questions.yaml"].decode()
    texts = draft_items(saved)
    item = texts.item("question/q1/text")
    assert item is not None and texts.status(item, "fr") == "current"
    english_changed = changed(saved, "questions.yaml", "Question q1 (en)", "Question q1, reworded")
    texts = draft_items(english_changed)
    item = texts.item("question/q1/text")
    assert item is not None and texts.status(item, "fr") == "stale"
    other = texts.item("question/q2/text")
    assert other is not None and texts.status(other, "fr") == "current"


def test_the_bundled_courses_load_unchanged_and_count_as_current():
    packages = read_catalog()
    assert all(not p.partial_languages and not p.translation_sources for p in packages)
    files = read_folder(CATALOG_DIR / "sea-zero-tolerance")
    totals = matrix(draft_items(files), ["ar"])[0].total
    assert totals["stale"] == 0 and totals["missing"] == 0 and totals["current"] > 100


# --- the loader: partial languages and translations.yaml -------------------------------------


def _read(tmp_path: Path, files) -> None:
    folder = tmp_path / "pkg"
    write_folder(files, folder)
    read_catalog(folder)


def test_a_partial_language_may_miss_texts_and_an_unlisted_one_may_not(tmp_path, course):
    files = package_files(tmp_path)
    files[LESSON_EN.replace(".en.", ".ru.")] = files[LESSON_EN].replace(b"Lesson 1", b"Urok 1")
    with pytest.raises(PackageError) as refused:
        _read(tmp_path / "a", files)
    assert "texts in 'ru' (lesson first-steps) but 'ru' is in neither" in str(
        refused.value.problems
    )
    partial = _with_manifest(files, lambda data: data.update(partial_languages=["ru"]))
    _read(tmp_path / "b", partial)
    package = read_catalog(tmp_path / "b" / "pkg")[0]
    assert package.partial_languages == ("ru",)
    assert package.manifest["partial_languages"] == ["ru"]


@pytest.mark.parametrize(
    ("partial", "message"),
    [
        (["en"], "'en' is not a language that can be partial"),
        (["fr"], "'fr' is also in 'languages' (complete)"),
        ("ru", "'partial_languages' must be a list"),
    ],
)
def test_wrong_partial_languages_are_refused(tmp_path, course, partial, message):
    files = _with_manifest(
        package_files(tmp_path), lambda data: data.update(partial_languages=partial)
    )
    with pytest.raises(PackageError) as refused:
        _read(tmp_path, files)
    assert message in str(refused.value.problems)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"fr:\n  course/title: nothex\n", "fr: each text's id must map to a 12-character hash"),
        (b"xx:\n  course/title: 0123456789ab\n", "unknown translation language 'xx'"),
        (b"- a list\n", "translations.yaml must map languages"),
        (b"fr: [unclosed\n", "translations.yaml"),
    ],
)
def test_a_wrong_translations_file_is_refused(tmp_path, course, content, message):
    files = {**package_files(tmp_path), SOURCES_FILE: content}
    with pytest.raises(PackageError) as refused:
        _read(tmp_path, files)
    assert message in str(refused.value.problems)


# --- the matrix and the side-by-side page ----------------------------------------------------


def test_the_matrix_counts_stale_and_missing_texts(client, db_session, author, imported, tmp_path):
    files = apply_translations(
        package_files(tmp_path),
        [Change("lesson/first-steps", "fr", "# Leçon 1\n\nTexte.\n", "old English")],
    )
    del files["lessons/02-second-steps.fr.md"]
    files = _with_manifest(
        files, lambda data: data.update(languages=["en"], partial_languages=["fr"])
    )
    _replace_draft(client, files)
    body = client.get(MATRIX).get_data(as_text=True)
    assert "Partial: English where a text is missing" in body
    assert "1 stale" in body and "1 missing" in body
    assert f'href="{FRENCH}"' in body
    language = client.get(FRENCH).get_data(as_text=True)
    assert "item=lesson/first-steps" in language and "Stale: the English changed since" in language
    # The course page tells the author before publishing (stale texts are published as they are).
    course = client.get(PAGE).get_data(as_text=True)
    assert "made from an older English text" in course
    assert f'href="{FRENCH}" lang="fr">Français</a>: 1 stale translation' in course


def test_the_course_page_is_quiet_when_no_translation_is_stale(client, imported):
    assert "made from an older English text" not in client.get(PAGE).get_data(as_text=True)


def test_the_side_by_side_page_saves_a_translation_and_goes_to_the_next(
    client, db_session, author, imported
):
    page = f"{FRENCH}/item?item=question/q3/text"
    body = client.get(page).get_data(as_text=True)
    assert '<div class="source-text" lang="en" dir="ltr">Question q3 (en)</div>' in body
    assert '<textarea dir="ltr" id="text" lang="fr"' in body
    response = submit(
        client,
        page,
        {"item": "question/q3/text", "text": "Question trois ?", "revision": "1", "next": "1"},
        action=f"{FRENCH}/item",
    )
    assert response.status_code == 302
    # every other French text is current: there is nothing left to do
    assert response.headers["Location"] == FRENCH
    files = _files(db_session)
    assert "Question trois ?" in files["questions.yaml"].decode()
    assert yaml.safe_load(files[SOURCES_FILE]) == {
        "fr": {"question/q3/text": short_hash("Question q3 (en)")}
    }
    assert _draft(db_session).revision == 2


def test_a_stale_translation_shows_the_english_it_was_made_from(
    app, client, db_session, author, tmp_path
):
    files = apply_translations(
        package_files(tmp_path),
        [Change("question/q1/text", "fr", "Question q1 (fr)", "Question q1 (en)")],
    )
    publish_course(app, author, files)
    reworded = changed(files, "questions.yaml", "Question q1 (en)", "Question q1, reworded")
    _replace_draft(client, _with_manifest(reworded, lambda data: data.update(version="1.1")))
    response = client.get(f"{FRENCH}/item")  # the first text to do
    assert response.status_code == 302
    assert response.headers["Location"].endswith("item=question/q1/text")
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The English changed since this translation was made" in body
    assert "Question q1, reworded" in body and "Question q1 (en)" in body
    # saved unchanged, the translation is confirmed for the new English
    submit(
        client,
        response.headers["Location"],
        {"item": "question/q1/text", "text": "Question q1 (fr)", "revision": "2"},
        action=f"{FRENCH}/item",
    )
    texts = draft_items(_files(db_session))
    item = texts.item("question/q1/text")
    assert item is not None and texts.status(item, "fr") == "current"


def test_arabic_is_typed_right_to_left(client, author, imported):
    body = client.get(f"{MATRIX}/ar/item?item=course/title").get_data(as_text=True)
    assert '<textarea dir="rtl" id="text" lang="ar"' in body


@pytest.mark.parametrize(
    ("item", "text", "message"),
    [
        ("lesson/first-steps", "# Leçon\n\n<script>alert(1)</script>\n", "raw HTML is not allowed"),
        ("lesson/first-steps", "Pas de titre\n", "a lesson must begin with its title"),
        ("lesson/first-steps", "# L\n\n![carte](media/absent.png)\n", "is not in the package"),
        ("question/q1/text", "   ", "the translation is empty"),
    ],
)
def test_a_wrong_translation_is_refused_with_nothing_written(
    client, db_session, author, imported, item, text, message
):
    before = table_counts(db_session)
    page = f"{FRENCH}/item?item={item}"
    response = submit(
        client, page, {"item": item, "text": text, "revision": "1"}, action=f"{FRENCH}/item"
    )
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _draft(db_session).revision == 1 and table_counts(db_session) == before


def test_a_save_on_a_draft_changed_meanwhile_is_refused(client, db_session, author, imported):
    page = f"{FRENCH}/item?item=question/q1/text"
    token = csrf_token(client, page)
    submit(
        client,
        page,
        {"item": "question/q1/text", "text": "Première", "revision": "1"},
        action=f"{FRENCH}/item",
    )
    response = client.post(
        f"{FRENCH}/item",
        data={"csrf_token": token, "item": "question/q1/text", "text": "Seconde", "revision": "1"},
    )
    assert response.status_code == 409
    assert "changed by Amina Author since you opened it" in response.get_data(as_text=True)
    assert "Seconde" not in _files(db_session)["questions.yaml"].decode()


def test_every_translation_route_answers_not_found_for_another_centres_course(
    app, client, db_session, author, centre_b, tmp_path
):
    files = package_files(tmp_path, slug="zzsecret-course")
    publish_course(app, centre_b["author"], files, centre_id=centre_b["centre"].id)
    before = table_counts(db_session)
    token = csrf_token(client, "/studio/")
    seen = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("studio_translations."):
            continue
        url = rule.build({"slug": "zzsecret-course", "language": "fr"}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = None
            if method == "POST":
                data = {
                    "csrf_token": token,
                    "revision": "1",
                    "item": "course/title",
                    "text": "Volé",
                    "po_file": (io.BytesIO(b'msgid ""\nmsgstr "Language: fr\\n"\n'), "f.po"),
                }
            response = client.open(url + "?item=course/title", method=method, data=data)
            assert response.status_code == 404, (method, url, response.status_code)
            seen.add(rule.endpoint)
    assert len(seen) == 7
    assert table_counts(db_session) == before


def test_an_unknown_item_or_language_is_not_found(client, author, imported):
    assert client.get(f"{FRENCH}/item?item=question/nope/text").status_code == 404
    assert client.get(f"{MATRIX}/en").status_code == 404
    assert client.get(f"{MATRIX}/xx").status_code == 404


# --- PO files --------------------------------------------------------------------------------


def _po_upload(client, data: bytes, language: str = "fr"):
    page = f"{MATRIX}/{language}"
    return upload(
        client,
        page,
        f"{page}/import",
        b"",
        po_file=(io.BytesIO(data), "texts.po"),
    )


def test_a_po_file_round_trip_without_change_changes_nothing(client, db_session, author, imported):
    exported = client.get(f"{FRENCH}.po")
    assert exported.status_code == 200
    catalog = read_po(io.BytesIO(exported.data))
    assert str(catalog.locale) == "fr"
    message = catalog.get("Question q1 (en)", context="question/q1/text")
    assert message is not None and message.string == "Question q1 (fr)"
    before = _draft(db_session).package
    response = _po_upload(client, exported.data)
    assert response.status_code == 200
    assert "0 texts changed" in response.get_data(as_text=True)
    assert _draft(db_session).package == before and _draft(db_session).revision == 1


def test_a_translated_po_file_updates_the_draft_with_a_report(client, db_session, author, imported):
    catalog = read_po(io.BytesIO(client.get(f"{MATRIX}/ru.po").data))
    message = catalog.get("Question q2 (en)", context="question/q2/text")
    assert message is not None and message.string == ""
    message.string = "Вопрос 2"
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog)
    data = buffer.getvalue().replace(b'"Language: ru\\n"', b'"Language: ru_RU\\n"')
    assert b"Language: ru_RU" in data  # as a translator's tool may write it
    response = _po_upload(client, data, "ru")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 text changed" in body and "translated" in body
    files = _files(db_session)
    assert "Вопрос 2" in files["questions.yaml"].decode()
    assert yaml.safe_load(files[SOURCES_FILE])["ru"] == {
        "question/q2/text": short_hash("Question q2 (en)")
    }


def test_a_stale_text_is_exported_fuzzy_with_its_old_english(
    app, client, db_session, author, tmp_path
):
    files = apply_translations(
        package_files(tmp_path),
        [Change("question/q1/text", "fr", "Question q1 (fr)", "Question q1 (en)")],
    )
    publish_course(app, author, files)
    reworded = changed(files, "questions.yaml", "Question q1 (en)", "Question q1, reworded")
    _replace_draft(client, _with_manifest(reworded, lambda data: data.update(version="1.1")))
    text = client.get(f"{FRENCH}.po").get_data(as_text=True)
    assert (
        '#, fuzzy\n#| msgid "Question q1 (en)"\nmsgctxt "question/q1/text"\n'
        'msgid "Question q1, reworded"\nmsgstr "Question q1 (fr)"'
    ) in text


@pytest.mark.parametrize(
    ("po", "message"),
    [
        (
            'msgid ""\nmsgstr "Language: de\\n"\n',
            "The file&#39;s Language header says de; this page imports fr.",
        ),
        ('msgid "a"\nmsgstr "b\nbroken', "This is not a readable PO file"),
        (
            'msgid ""\nmsgstr "Language: fr\\n"\n\nmsgctxt "question/q99/text"\n'
            'msgid "x"\nmsgstr "y"\n',
            "question/q99/text: the course has no such text.",
        ),
        (
            'msgid ""\nmsgstr "Language: fr\\n"\n\nmsgctxt "question/q1/text"\nmsgid "x"\n'
            'msgstr "fine"\n\nmsgctxt "lesson/first-steps"\nmsgid "x"\n'
            'msgstr "# Titre\\n\\n<b>gras</b>\\n"\n',
            "raw HTML is not allowed",
        ),
    ],
)
def test_a_wrong_po_file_is_refused_with_nothing_written(
    client, db_session, author, imported, po, message
):
    before = table_counts(db_session)
    response = _po_upload(client, po.encode())
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body and "nothing was saved" in body
    assert _draft(db_session).revision == 1 and table_counts(db_session) == before
    assert "fine" not in _files(db_session)["questions.yaml"].decode()


# --- partial languages at publication and for trainees ---------------------------------------


def test_publishing_an_incomplete_language_needs_it_marked_partial(
    client, db_session, author, tmp_path
):
    files = package_files(tmp_path)
    del files["lessons/02-second-steps.fr.md"]
    upload_files = pack(files)
    response = upload(client, "/studio/", "/studio/import", upload_files)
    assert response.status_code == 400
    assert "lesson file is missing: 02-second-steps.fr.md" in response.get_data(as_text=True)
    partial = _with_manifest(
        files, lambda data: data.update(languages=["en"], partial_languages=["fr"])
    )
    assert upload(client, "/studio/", "/studio/import", pack(partial)).status_code == 302
    response = submit(client, PAGE, {"revision": "1"}, action=f"{PAGE}/publish")
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_reader_in_a_partial_language_sees_the_fallback_notices(
    app, client, db_session, course, make_user, tmp_path, login_as
):
    author = make_user("trainer", is_course_author=True)
    files = package_files(tmp_path)
    del files["lessons/02-second-steps.fr.md"]
    files = _with_manifest(
        files, lambda data: data.update(languages=["en"], partial_languages=["fr"])
    )
    publish_course(app, author, files)
    login_as("trainer", preferred_language="fr")
    course = client.get("/courses/centre-course").get_data(as_text=True)
    assert "<h1>Mini course (fr)</h1>" in course
    assert "Certaines parties de ce cours ne sont pas encore traduites" in course
    first = client.get("/courses/centre-course/lessons/first-steps").get_data(as_text=True)
    second = client.get("/courses/centre-course/lessons/second-steps").get_data(as_text=True)
    assert "Lesson 1 fr" in first and '<article class="lesson">' in first
    assert "Lesson 2 en" in second and '<article class="lesson" lang="en" dir="ltr">' in second


def test_a_text_in_a_language_not_offered_makes_it_partial(client, db_session, author, imported):
    response = submit(
        client,
        f"{MATRIX}/ru/item?item=course/title",
        {"item": "course/title", "text": "Мини-курс", "revision": "1"},
        action=f"{MATRIX}/ru/item",
    )
    assert response.status_code == 302
    from studio.publishing import validate

    files = _files(db_session)
    manifest = yaml.safe_load(files["course.yaml"])
    assert manifest["languages"] == ["en", "fr"] and manifest["partial_languages"] == ["ru"]
    assert manifest["title"]["ru"] == "Мини-курс"
    assert validate(files).ok


def test_a_language_is_offered_complete_only_with_every_text(client, db_session, author, imported):
    response = submit(
        client, FRENCH, {"offer": "partial", "revision": "1"}, action=f"{FRENCH}/offer"
    )
    assert response.status_code == 302
    manifest = yaml.safe_load(_files(db_session)["course.yaml"])
    assert manifest["languages"] == ["en"] and manifest["partial_languages"] == ["fr"]
    assert "Partial: English where a text is missing" in client.get(MATRIX).get_data(as_text=True)
    response = submit(
        client, FRENCH, {"offer": "complete", "revision": "2"}, action=f"{FRENCH}/offer"
    )
    manifest = yaml.safe_load(_files(db_session)["course.yaml"])
    assert manifest["languages"] == ["en", "fr"] and "partial_languages" not in manifest
    before = table_counts(db_session)
    response = submit(
        client, f"{MATRIX}/ru", {"offer": "complete", "revision": "3"}, action=f"{MATRIX}/ru/offer"
    )
    assert response.status_code == 400
    assert "before the language is offered as complete: 164 are missing" in response.get_data(
        as_text=True
    )
    assert _draft(db_session).revision == 3 and table_counts(db_session) == before


def test_an_option_is_translated_with_its_question_in_view(client, author, imported):
    body = client.get(f"{FRENCH}/item?item=question/q2/option/b").get_data(as_text=True)
    assert '<p lang="en" dir="ltr">Question q2 (en)</p>' in body
    assert '<div class="source-text" lang="en" dir="ltr">Option b (en)</div>' in body
    po = client.get(f"{FRENCH}.po").get_data(as_text=True)
    assert '#. q2 · b\n#. Question q2 (en)\nmsgctxt "question/q2/option/b"' in po


def test_a_round_trip_with_stale_texts_changes_nothing(app, client, db_session, author, tmp_path):
    files = apply_translations(
        package_files(tmp_path),
        [Change("question/q1/text", "fr", "Question q1 (fr)", "Question q1 (en)")],
    )
    reworded = changed(files, "questions.yaml", "Question q1 (en)", "Question q1, reworded")
    assert upload(client, "/studio/", "/studio/import", pack(reworded)).status_code == 302
    before = _draft(db_session).package
    response = _po_upload(client, client.get(f"{FRENCH}.po").data)
    assert response.status_code == 200
    assert "Unchanged: 163; fuzzy, not imported: 1; empty: 0." in response.get_data(as_text=True)
    assert _draft(db_session).package == before


def test_a_centres_own_standards_and_practicals_are_translated_like_the_rest(tmp_path):
    """The texts of the standards and practical tests a package carries are items of the matrix
    (category "practicals"); a translation is written into their own files."""
    from tests.studio.test_centre_catalog import _own_files, _rubric_entry, _standard_entry

    standard = _standard_entry()
    rubric = _rubric_entry()
    del standard["description"]["fr"], rubric["criteria"][0]["text"]["fr"]
    files = _own_files(tmp_path, [standard], rubric)
    texts = draft_items(files)
    own = [item.id for item in texts.items if item.category == "practicals"]
    assert own == [
        "standard/DRV-1/title",
        "standard/DRV-1/description",
        "rubric/DRV-P1/title",
        "rubric/DRV-P1/instructions",
        "rubric/DRV-P1/criterion/c1",
    ]
    (french,) = matrix(texts, ["fr"])
    assert french.cells["practicals"] == {"current": 3, "stale": 0, "missing": 2}

    saved = apply_translations(
        files,
        [
            Change("standard/DRV-1/description", "fr", "Reculer entre deux plots", "Reversing"),
            Change("rubric/DRV-P1/criterion/c1", "fr", "Recule sans toucher", "Reversing"),
        ],
    )
    assert yaml.safe_load(saved["standards.yaml"])["standards"][0]["description"]["fr"] == (
        "Reculer entre deux plots"
    )
    criterion = yaml.safe_load(saved["rubrics/DRV-P1.yaml"])["criteria"][0]
    assert criterion["text"]["fr"] == "Recule sans toucher" and criterion["required"] is True
    (french,) = matrix(draft_items(saved), ["fr"])
    assert french.cells["practicals"] == {"current": 5, "stale": 0, "missing": 0}
    assert yaml.safe_load(saved[SOURCES_FILE])["fr"]["rubric/DRV-P1/criterion/c1"] == short_hash(
        "Reversing"
    )
