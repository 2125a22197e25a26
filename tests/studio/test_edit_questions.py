"""The question bank of a draft in the studio: the overview, adding, editing and deleting questions
of the four kinds, refused input, stale saves and the centre boundary."""

from __future__ import annotations

import re

import pytest
import yaml
from sqlalchemy import select

from assessments.models import Question
from lms import scope
from lms.db import db
from studio import drafts
from studio.models import CourseDraft
from studio.package_zip import pack, unpack_trusted
from tests.conftest import TEST_SECRET
from tests.helpers import CSRF_RE, sign_in, table_counts
from tests.studio.factories import changed, package_files, publish_course

PAGE = "/studio/courses/centre-course"
BANK = f"{PAGE}/questions"


@pytest.fixture
def draft(app, db_session, author, tmp_path):
    """A draft of the author's centre (the test package: SEA-1 and SEA-2, 16 questions each)."""
    with app.test_request_context():
        scope.enter(db.session, author.centre_id)
        made = drafts.create_draft(
            "centre-course", package_files(tmp_path), db.session.merge(author), "test"
        )
        db.session.commit()
        return made.id


def _bank_text(db_session, draft_id):
    db_session.expire_all()
    return unpack_trusted(db_session.get(CourseDraft, draft_id).package)["questions.yaml"].decode()


def _items(text):
    """A bank's questions as written, one text per item (the test package's items start at the
    line's first column)."""
    return re.split(r"\n(?=- )", text)


def _post(client, page, data, action=None):
    """Open the editor page and post its form with its token and revision (unless given)."""
    body = client.get(page).get_data(as_text=True)
    fields = {"csrf_token": CSRF_RE.search(body).group(1)}
    revision = re.search(r'name="revision" type="hidden" value="(\d+)"', body)
    fields["revision"] = revision.group(1)
    fields.update(data)
    return client.post(action or page, data=fields)


def _new(kind, qid="q33", standard="SEA-2", **extra):
    """A complete new question of a kind, as the form sends it."""
    data = {
        "kind": kind,
        "id": qid,
        "standard": standard,
        "text-en": f"Which {kind} answer is right?",
        "text-fr": f"Quelle réponse {kind} est juste ?",
        "explanation-en": "Because the rule says so.",
        "explanation-fr": "Parce que la règle le dit.",
    }
    if kind == "scenario":
        data.update({"case-en": "A patrol meets a crowd.", "case-fr": "Une patrouille croise."})
    if kind == "true_false":
        data["answer"] = "false"
    else:
        for n, word in enumerate(["Alpha", "Bravo", "Charlie", "Delta"]):
            data[f"option-{n}-en"] = f"{word} answer"
            data[f"option-{n}-fr"] = f"Réponse {word}"
        data["correct"] = ["0", "2"] if kind == "multiple" else "1"
    data.update(extra)
    return data


def _publish_new_version(client, db_session, draft_id, author, version="2.0"):
    """Raise the draft's version (as an import would) and press "Check and publish"."""
    db_session.expire_all()
    row = db_session.get(CourseDraft, draft_id)
    files = unpack_trusted(row.package)
    with db_session.begin_nested():
        row.package = pack(changed(files, "course.yaml", "version: '1.0'", f"version: '{version}'"))
    db_session.commit()
    page = client.get(PAGE).get_data(as_text=True)
    revision = re.search(r'name="revision" type="hidden" value="(\d+)"', page).group(1)
    token = CSRF_RE.search(page).group(1)
    return client.post(f"{PAGE}/publish", data={"csrf_token": token, "revision": revision})


def test_the_bank_page_counts_each_standard_against_the_quiz_and_lists_languages(client, draft):
    body = client.get(BANK).get_data(as_text=True)
    assert client.get(PAGE).get_data(as_text=True).count(BANK) == 1  # linked from the course
    # 8 drawn per standard x min(3, max_attempts 2) = 16 needed; the package has 16 of each.
    assert "each standard needs 16 so that the first attempts never repeat" in body
    assert body.count("Enough") == 2 and "missing</span>" not in body
    assert "32 of 32" in body  # English and French complete
    assert "The bank passes the checks run at publication." in body


def test_the_bank_page_shows_the_checks_findings_before_publication(client, db_session, draft):
    row = db_session.get(CourseDraft, draft)
    files = unpack_trusted(row.package)
    files = changed(files, "questions.yaml", "Question q5 (en)", "Which is not allowed (en)")
    with db_session.begin_nested():
        row.package = pack(files)
    db_session.commit()
    body = client.get(BANK).get_data(as_text=True)
    assert "Publication will be refused" in body
    assert "a negative stem must show its negation in capitals" in body
    assert f'href="{BANK}/q5"' in body


@pytest.mark.parametrize("kind", ["single", "multiple", "true_false", "scenario"])
def test_each_kind_is_saved_in_the_bank_and_published(client, db_session, draft, author, kind):
    before = _bank_text(db_session, draft)
    response = _post(client, f"{BANK}/new?kind={kind}", _new(kind), action=f"{BANK}/new")
    assert response.status_code == 302, response.get_data(as_text=True)
    text = _bank_text(db_session, draft)
    assert text.startswith(before.rstrip("\n"))  # the other questions are kept as written
    saved = yaml.safe_load(text)["questions"][-1]
    assert (saved["id"], saved["standard"], saved["kind"]) == ("q33", "SEA-2", kind)
    assert saved["text"] == {"en": f"Which {kind} answer is right?", "fr": saved["text"]["fr"]}
    if kind == "true_false":
        assert saved["answer"] is False and "options" not in saved
    else:
        correct = [option["id"] for option in saved["options"] if option.get("correct")]
        assert correct == (["a", "c"] if kind == "multiple" else ["b"])
        assert [option["id"] for option in saved["options"]] == ["a", "b", "c", "d"]
    if kind == "scenario":
        assert saved["case"]["fr"] == "Une patrouille croise."
    assert _publish_new_version(client, db_session, draft, author).status_code == 302
    question = db_session.scalars(select(Question).where(Question.qid == "q33")).one()
    assert (question.kind, question.standard_code) == (kind, "SEA-2")


BAD = [
    ({"correct": []}, "Mark the correct option."),
    ({"correct": ["0", "1"]}, "Mark exactly one correct option."),  # a forged second radio
    ({"id": "q7"}, "Another question already has the id q7."),
    ({"id": "Q 7!"}, "An id uses lower-case letters, digits and hyphens"),
    ({"standard": "SAF-1"}, "Choose one of the course&#39;s standards."),
    ({"text-en": " "}, "The English text is required."),
    ({"option-1-en": "", "option-1-fr": "Seulement en français"}, "The English text is required."),
    (
        {"option-2-en": "", "option-2-fr": "", "option-3-en": "", "option-3-fr": ""},
        "Give between 3",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_written(
    client, db_session, draft, change, message
):
    before = table_counts(db_session), _bank_text(db_session, draft)
    response = _post(client, f"{BANK}/new?kind=single", _new("single", **change), f"{BANK}/new")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was saved" in body and message in body
    assert 'class="error"' in body  # next to its field
    assert db_session.get(CourseDraft, draft).revision == 1
    assert (table_counts(db_session), _bank_text(db_session, draft)) == before


@pytest.mark.parametrize(
    ("kind", "change", "message"),
    [
        ("multiple", {"correct": ["0", "1", "2", "3"]}, "At least one option"),
        ("true_false", {"answer": ""}, "Say whether the statement is true or false."),
        ("scenario", {"case-en": ""}, "The English text is required."),
    ],
)
def test_each_kinds_own_rule_is_checked(client, db_session, draft, kind, change, message):
    before = _bank_text(db_session, draft)
    response = _post(client, f"{BANK}/new?kind={kind}", _new(kind, **change), f"{BANK}/new")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _bank_text(db_session, draft) == before


def test_the_editor_speaks_the_authors_language(client, db_session, draft, author):
    db_session.merge(author).preferred_language = "fr"
    db_session.commit()
    response = _post(client, f"{BANK}/new?kind=single", _new("single", correct=[]), f"{BANK}/new")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Indiquez la bonne option." in body and "Mark the correct option." not in body


def test_a_translation_fix_keeps_the_question_and_an_english_change_makes_a_new_one(
    client, db_session, draft
):
    before = _bank_text(db_session, draft)
    page = client.get(f"{BANK}/q3").get_data(as_text=True)
    assert "makes a new question once published" in page and 'value="Option b (fr)"' in page
    data = {
        f"{name}-{code}": f"{label} ({code})"
        for name, label in [("text", "Question q3"), ("explanation", "Because.")]
        for code in ("en", "fr")
    }
    for n, oid in enumerate("abc"):
        data |= {f"option-{n}-id": oid, f"option-{n}-en": f"Option {oid} (en)"}
        data[f"option-{n}-fr"] = f"Option {oid} (fr)"
    data |= {"standard": "SEA-1", "correct": "0", "text-fr": "Question q3 corrigée (fr)"}
    response = _post(client, f"{BANK}/q3", data)
    assert response.status_code == 302
    flashes = client.get(BANK).get_data(as_text=True)
    assert "Only translations changed" in flashes
    after = _bank_text(db_session, draft)
    old_items, new_items = _items(before), _items(after)  # only the lines of q3 changed
    assert [i for i in new_items if "id: q3\n" not in i] == [
        i for i in old_items if "id: q3\n" not in i
    ]
    assert "Question q3 corrigée (fr)" in after and "Question q4 (fr)" in after
    others = [q for q in yaml.safe_load(after)["questions"] if q["id"] != "q3"]
    assert others == [q for q in yaml.safe_load(before)["questions"] if q["id"] != "q3"]
    data["correct"] = "1"  # a new key: a new question
    assert _post(client, f"{BANK}/q3", data).status_code == 302
    assert "Its meaning changed" in client.get(BANK).get_data(as_text=True)


def test_a_question_in_english_only_is_saved_and_listed_as_missing_french(
    client, db_session, draft
):
    data = {key: value for key, value in _new("single").items() if not key.endswith("-fr")}
    response = _post(client, f"{BANK}/new?kind=single", data, action=f"{BANK}/new")
    assert response.status_code == 302
    body = client.get(BANK).get_data(as_text=True)
    assert "Missing: Français" in body and "32 of 33" in body
    assert "Some texts are not translated into every language" in body  # publication refuses
    assert "missing &#39;fr&#39; translation" not in body  # counted, not listed text by text


def test_a_save_on_a_stale_revision_shows_the_conflict_and_saves_nothing(
    app, client, db_session, draft, author, tmp_path
):
    page = f"{BANK}/new?kind=single"
    body = client.get(page).get_data(as_text=True)
    token = CSRF_RE.search(body).group(1)
    with app.test_request_context():  # someone else saves the draft meanwhile
        scope.enter(db.session, author.centre_id)
        row = db.session.get(CourseDraft, draft)
        files = unpack_trusted(row.package)
        drafts.save_draft(
            row,
            changed(files, "course.yaml", "Mini course (en)", "Maxi (en)"),
            1,
            db.session.merge(author),
            "test",
        )
        db.session.commit()
    before = _bank_text(db_session, draft)
    response = client.post(
        f"{BANK}/new", data={"csrf_token": token, "revision": "1", **_new("single")}
    )
    assert response.status_code == 409
    assert "since you opened it" in response.get_data(as_text=True)
    assert _bank_text(db_session, draft) == before and "q33" not in before


def test_deleting_a_question_asks_first_and_removes_only_its_lines(client, db_session, draft):
    before = _bank_text(db_session, draft)
    page = client.get(f"{BANK}/q7/delete").get_data(as_text=True)
    assert "Delete question q7?" in page and "Question q7 (en)" in page
    assert _bank_text(db_session, draft) == before  # asking changes nothing
    response = _post(client, f"{BANK}/q7/delete", {})
    assert response.status_code == 302
    assert _items(_bank_text(db_session, draft)) == [
        item for item in _items(before) if "id: q7\n" not in item
    ]
    assert client.get(f"{BANK}/q7").status_code == 404


B_SLUG = "zzsecret-course"


def test_another_centres_bank_is_not_found_on_every_route(
    app, client, db_session, author, centre_b, tmp_path
):
    publish_course(
        app, centre_b["author"], package_files(tmp_path, slug=B_SLUG), centre_b["centre"].id
    )
    counts = table_counts(db_session)
    drafts_before = [(d.id, d.revision, d.package) for d in db_session.scalars(select(CourseDraft))]
    token = CSRF_RE.search(client.get("/studio/").get_data(as_text=True)).group(1)
    seen = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("studio_questions."):
            continue
        url = rule.build({"slug": B_SLUG, "qid": "q1"}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token, "revision": "1", **_new("single")}
            query = "?kind=single" if method == "GET" else ""
            response = client.open(
                url + query, method=method, data=data if method == "POST" else None
            )
            assert response.status_code == 404, (method, url)
            seen.add(rule.endpoint)
    assert len(seen) == 7
    assert table_counts(db_session) == counts
    db_session.expire_all()
    assert [(d.id, d.revision, d.package) for d in db_session.scalars(select(CourseDraft))] == (
        drafts_before
    )


def test_only_course_authors_open_the_bank(app, make_user, draft):
    trainer = make_user("trainer")
    other = app.test_client()
    assert sign_in(other, trainer.sign_in_name, TEST_SECRET).status_code == 302
    assert other.get(BANK).status_code == 403
    assert other.get(f"{BANK}/q1").status_code == 403


def test_a_question_is_tagged_with_learning_outcomes_and_keeps_them_when_edited(
    client, db_session, draft
):
    page = client.get(f"{BANK}/new?kind=single").get_data(as_text=True)
    assert 'value="CPTM-2017 3.4 LO2"' in page  # the bundled framework's outcomes, as ticks
    tags = ["CPTM-2017 3.4 LO2", "CPTM-2017 3.3 LO1"]
    response = _post(
        client, f"{BANK}/new?kind=single", _new("single", outcomes=tags), action=f"{BANK}/new"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = yaml.safe_load(_bank_text(db_session, draft))["questions"][-1]
    assert saved["outcomes"] == tags
    # The next new question opens the framework lessons the course already uses, nothing ticked.
    fresh = client.get(f"{BANK}/new?kind=single").get_data(as_text=True)
    unfolded = re.findall(r"<details open>\s*<summary>([^<]*)</summary>", fresh)
    assert [title.split(" ")[1] for title in unfolded] == ["3.3", "3.4"]
    assert 'name="outcomes" value="CPTM-2017 3.4 LO2" checked' not in fresh
    # Edited without touching the ticks (the form sends them back as they were shown): kept.
    page = client.get(f"{BANK}/q33").get_data(as_text=True)
    assert page.count("checked") >= 2 and "<details open>" in page
    ticked = re.findall(r'name="outcomes" value="([^"]+)" checked', page)
    assert sorted(ticked) == sorted(tags)
    edited = _new("single", outcomes=ticked, **{"text-fr": "Quelle réponse est la bonne ?"})
    assert _post(client, f"{BANK}/q33", edited).status_code == 302
    saved = yaml.safe_load(_bank_text(db_session, draft))["questions"][-1]
    assert sorted(saved["outcomes"]) == sorted(tags) and saved["text"]["fr"].startswith("Quelle r")


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("CPTM-2017 3.4 LO9", "No learning outcome CPTM-2017 3.4 LO9 is known"),
        ("CPTM 3.4", "is not an outcome reference"),
    ],
)
def test_an_unknown_or_badly_written_outcome_is_refused(
    client, db_session, draft, reference, message
):
    before = table_counts(db_session), _bank_text(db_session, draft)
    data = _new("single", outcomes=[reference])
    response = _post(client, f"{BANK}/new?kind=single", data, action=f"{BANK}/new")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body and 'id="outcomes-error"' in body
    assert (table_counts(db_session), _bank_text(db_session, draft)) == before
